import json
from pathlib import Path

import pytest

from ptgen.errors import PtgenError
from ptgen.options import (
    SCHEMA,
    check_project_name,
    cookiecutter_json,
    dist_name,
    import_name,
    load_options_file,
    parse_sets,
    resolve,
)
from ptgen.presets import BACKBONES, UNSUITED_BACKBONES, manifest

from .conftest import TEMPLATE


def test_cookiecutter_json_is_generated_from_the_options_table():
    """templates/project/cookiecutter.json is written by tools/write_cookiecutter_json.py."""
    spec = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
    assert spec == cookiecutter_json(), "run: python tools/write_cookiecutter_json.py"
    public = [k for k in spec if not k.startswith("_")]
    assert public == [o.name for o in SCHEMA.options]


def test_every_preset_file_exists_and_has_a_config_fragment():
    package = TEMPLATE / "{{cookiecutter.project_name}}" / "{{cookiecutter.__package_name}}"
    for kind, presets in manifest().items():
        for name, preset in presets.items():
            for file in preset["files"]:
                assert (package / file).is_file(), (kind, name, file)
            assert (TEMPLATE / "templates" / "config" / kind / f"{name}.yaml").is_file()


def test_defaults_and_precedence():
    answers = resolve("demo", {"author": "File", "tensorboard": True}, {"author": "Cli"})
    assert answers["author"] == "Cli"
    assert answers["tensorboard"] is True
    assert answers["dataset"] == "digits" and answers["model"] == "convnet"
    assert list(answers) == [o.name for o in SCHEMA.options]


@pytest.mark.parametrize(
    ("file", "cli", "message"),
    [
        ({"datset": "mnist"}, {}, "unknown option 'datset' (did you mean 'dataset'?)"),
        ({}, {"tensorbord": "true"}, "unknown option 'tensorbord' (did you mean 'tensorboard'?)"),
        (
            {"dataset": "cifar"},
            {},
            "option 'dataset': 'cifar' is not valid; expected one of digits, mnist, fashion_mnist,",
        ),
        ({}, {"preset": "Digits"}, "option 'dataset': 'Digits' is not valid"),
        (
            {"tensorboard": "yes please"},
            {},
            "option 'tensorboard': 'yes please' is not valid; expected true or false",
        ),
        ({"tensorboard": 1}, {}, "expected true or false"),
        ({}, {"github_actions": "maybe"}, "option 'github_actions': 'maybe' is not valid"),
        (
            {"author": ""},
            {},
            "option 'author': '' is not valid; expected a non-empty single line of text, "
            "at most 100 characters",
        ),
        ({"author": ["a"]}, {}, "option 'author'"),
        ({"description": "two\nlines"}, {}, "option 'description'"),
        (
            {"data_dir": "x/"},
            {},
            "option 'data_dir' applies only when dataset is mnist or fashion_mnist or",
        ),
        (
            {"project_name": "other"},
            {},
            "option 'project_name' is 'other' but the NAME argument is 'demo'",
        ),
    ],
)
def test_invalid_options_name_key_value_and_allowed(file, cli, message):
    with pytest.raises(PtgenError) as info:
        resolve("demo", file, cli)
    assert message in info.value.message
    assert "\n" not in info.value.message


def test_bool_text_from_set_and_conditional_option():
    answers = resolve("demo", {}, {"tensorboard": "yes", "preset": "mnist", "data_dir": "/d/"})
    assert answers["tensorboard"] is True and answers["data_dir"] == "/d/"
    assert answers["dataset"] == "mnist"  # `preset`, the old name, is still read


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("1proj", "not valid"),
        ("my proj", "not valid"),
        ("proj-", "not valid"),
        ("../evil", "not valid"),
        ("café", "not valid"),
        ("class", "a Python keyword"),
        ("json", "shadow the standard library"),
        ("Asyncio", "shadow the standard library"),
        ("torch", "shadow the 'torch' module"),
        ("torchvision", "shadow the 'torchvision' module"),
        ("train", "shadow the project's own train.py"),
        ("x" * 41, "at most 40"),
    ],
)
def test_bad_project_names_are_refused_with_reason(name, reason):
    with pytest.raises(PtgenError, match=reason):
        check_project_name(name)


def test_names_derived_from_project_name():
    check_project_name("My.Cool-Project_2")
    assert import_name("My.Cool-Project_2") == "my_cool_project_2"
    assert dist_name("My.Cool-Project_2") == "my-cool-project-2"


def test_options_file_errors(tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("preset: digits\nauthor: [unclosed\n")
    with pytest.raises(PtgenError, match=r"broken.yaml' line 3, column 1"):
        load_options_file(broken)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n")
    with pytest.raises(PtgenError, match="must be a mapping"):
        load_options_file(listed)
    with pytest.raises(PtgenError, match="cannot read options file"):
        load_options_file(tmp_path / "missing.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert load_options_file(empty) == {}


def test_parse_sets():
    assert parse_sets(["a=1", "b==2", "c="]) == {"a": "1", "b": "=2", "c": ""}
    with pytest.raises(PtgenError, match="KEY=VALUE"):
        parse_sets(["novalue"])


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            {"dataset": "csv", "model": "convnet"},
            "model 'convnet' needs grey images or colour images but dataset 'csv'",
        ),
        (
            {"dataset": "digits", "task": "regression"},
            "option 'task' applies only when dataset is csv",
        ),
    ],
)
def test_combinations_that_make_no_sense_are_refused(sets, message):
    with pytest.raises(PtgenError, match=message):
        resolve("demo", {}, sets)


def test_backbone_names_match_torchvision(requires_torch):
    """Every classification model torchvision offers, less those whose head is not a single
    Linear layer or whose training output is not plain logits."""
    torchvision = pytest.importorskip("torchvision")
    offered = set(torchvision.models.list_models(module=torchvision.models))
    assert set(BACKBONES) == offered - set(UNSUITED_BACKBONES)


def test_each_backbone_gets_its_weights_own_preprocessing(requires_torch):
    """The config a backbone project starts with holds what `weights.transforms()` does."""
    torchvision = pytest.importorskip("torchvision")
    table = manifest()["model"]["backbone"]["preprocessing"]
    assert set(table) == set(BACKBONES)
    for name, spec in table.items():
        own = torchvision.models.get_model_weights(name).DEFAULT.transforms()
        assert spec == {
            "resize": own.resize_size[0],
            "crop": own.crop_size[0],
            "interpolation": own.interpolation.value,
            "mean": list(own.mean),
            "std": list(own.std),
        }, name
