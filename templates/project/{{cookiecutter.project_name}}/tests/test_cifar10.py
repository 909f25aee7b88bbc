"""CIFAR-10 from local files: what is missing is named, and a batch file runs no code."""

import pickle
from pathlib import Path

import numpy as np
import pytest

from {{ cookiecutter.__package_name }}.data_loader import Cifar10DataLoader
from {{ cookiecutter.__package_name }}.data_loader.cifar10 import FOLDER, write_sample


def loader(data_dir: Path, split: str = "train") -> Cifar10DataLoader:
    return Cifar10DataLoader(data_dir=str(data_dir), split=split, download=False, num_workers=0)


def test_missing_files_are_named_with_where_to_put_them(tmp_path):
    with pytest.raises(ValueError) as error:
        loader(tmp_path / "empty")
    message = str(error.value)
    assert "missing data_batch_1" in message and "batches.meta" in message
    assert str(tmp_path / "empty" / FOLDER) in message and "\n" not in message


class RunsCode:
    def __reduce__(self) -> tuple:
        return (Path("pwned").touch, ())


def test_a_batch_file_that_would_run_code_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_sample(tmp_path)
    with open(tmp_path / FOLDER / "data_batch_3", "wb") as file:
        pickle.dump({"data": RunsCode(), "labels": []}, file, protocol=2)
    with pytest.raises(ValueError, match="data_batch_3: not a CIFAR-10 batch file"):
        loader(tmp_path)
    assert not (tmp_path / "pwned").exists()


def test_a_malformed_batch_is_one_line_naming_the_file(tmp_path):
    write_sample(tmp_path)
    with open(tmp_path / FOLDER / "test_batch", "wb") as file:
        pickle.dump({"data": np.zeros((4, 100), np.uint8), "labels": [0] * 4}, file, protocol=2)
    with pytest.raises(ValueError, match="test_batch: 'data' is not N rows of 3072 bytes"):
        loader(tmp_path, "test")


def test_the_sample_reads_back_as_cifar_images(tmp_path):
    write_sample(tmp_path, n_train=50, n_test=20)
    train, test = loader(tmp_path), loader(tmp_path, "test")
    assert train.output_names[:2] == ["airplane", "automobile"]
    assert len(test.dataset) == 20 and train.input_shape == (3, 32, 32)
