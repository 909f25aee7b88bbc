"""Transfer learning with a torchvision backbone: local weights offline, a clear error when a
download is impossible, frozen backbone (BatchNorm included), unfreezing with exact resume."""

import pytest
import torch
import torchvision
from conftest import CONFIG
from test_train import assert_same_weights, losses, train_ok

import train
from {{ cookiecutter.__package_name }}.model.backbone import Backbone

NAME = CONFIG["arch"]["args"]["name"]


def test_local_weights_load_offline(tmp_path):
    reference = torchvision.models.get_model(NAME, weights=None)
    path = tmp_path / "weights.pth"
    torch.save(reference.state_dict(), path)  # what torchvision publishes: a state_dict
    model = Backbone(NAME, num_classes=3, weights=str(path))
    first = next(iter(reference.state_dict()))
    assert torch.equal(model.net.state_dict()[first], reference.state_dict()[first])
    assert model.net.get_submodule(model.head_name).out_features == 3


def test_a_download_that_cannot_happen_names_the_cache(monkeypatch):
    def offline(self, *args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(torchvision.models.WeightsEnum, "get_state_dict", offline)
    with pytest.raises(ValueError, match=r"put the file at .*checkpoints"):
        Backbone(NAME, num_classes=3, weights="DEFAULT")


def test_frozen_backbone_trains_only_the_head_and_keeps_batchnorm_statistics():
    model = Backbone(NAME, num_classes=3, freeze="backbone", unfreeze_at_epoch=3).train()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(model.is_head(n) for n in trainable)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert all(not m.training for m in norms)
    model.before_epoch(2)
    assert model.frozen
    model.before_epoch(3)
    assert not model.frozen and all(p.requires_grad for p in model.parameters())
    assert all(m.training for m in norms)


def test_parameter_groups_give_the_backbone_a_smaller_learning_rate():
    model = Backbone(NAME, num_classes=3, backbone_lr_scale=0.1)
    backbone, head = model.parameter_groups(1e-3)
    assert backbone["lr"] == pytest.approx(1e-4) and head["lr"] == 1e-3
    total = sum(p.numel() for g in (backbone, head) for p in g["params"])
    assert total == sum(p.numel() for p in model.parameters())


def test_resume_across_the_unfreeze_point_is_bit_exact(tiny_args):
    freeze = ["--set", "arch.args.freeze=backbone", "--set", "arch.args.unfreeze_at_epoch=3"]
    run = train_ok([*tiny_args, *freeze])
    resumed = train_ok(["-r", str(run / "checkpoint-epoch2.pt")])
    assert losses(resumed) == losses(run)
    assert_same_weights(resumed / "latest.pt", run / "latest.pt")


def test_finetune_accepts_a_plain_state_dict(tiny_args, tmp_path):
    path = tmp_path / "torchvision.pth"
    torch.save(torchvision.models.get_model(NAME, weights=None).state_dict(), path)
    assert train.main([*tiny_args, "--epochs", "1", "--finetune", str(path)]) == 0
