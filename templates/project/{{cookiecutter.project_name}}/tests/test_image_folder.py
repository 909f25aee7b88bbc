"""Image folders: a val/ or test/ folder that is missing is cut from train/, never shared."""

import shutil
from pathlib import Path

import pytest

from {{ cookiecutter.__package_name }}.data_loader import ImageFolderDataLoader
from {{ cookiecutter.__package_name }}.data_loader.image_folder import write_sample


def paths(loader: ImageFolderDataLoader) -> set[Path]:
    return {path for path, _ in loader.dataset.samples}


def loader(root: Path, split: str, **args: object) -> ImageFolderDataLoader:
    return ImageFolderDataLoader(str(root), split, image_size=16, num_workers=0, **args)


def test_val_cut_from_train_is_left_out_of_training(tmp_path):
    write_sample(tmp_path / "train", per_class=10, size=16)
    write_sample(tmp_path / "test", per_class=2, size=16)
    train, val, test = (loader(tmp_path, s) for s in ("train", "val", "test"))
    assert paths(val) and not paths(train) & paths(val)
    assert len(paths(train)) + len(paths(val)) == 30  # all of train/: test/ is its own
    assert all(tmp_path / "test" in p.parents for p in paths(test))


def test_k_fold_with_a_separate_val_folder_is_refused(tmp_path):
    write_sample(tmp_path / "train", per_class=4, size=16)
    shutil.copytree(tmp_path / "train", tmp_path / "val")
    with pytest.raises(ValueError, match="separate val/ folder"):
        loader(tmp_path, "train", fold=[0, 3])
