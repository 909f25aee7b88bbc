"""A DataLoader whose order depends only on the seed, and a resumable stream of its batches."""

import random
import signal
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from ..utils import distributed


def check_fractions(**fractions: float) -> None:
    """Held-out fractions from the config: each in [0, 1), together below 1."""
    for name, value in fractions.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < 1:
            raise ValueError(f"data_loader.args.{name} must be in [0, 1), got {value!r}")
    if sum(fractions.values()) >= 1:
        names = " + ".join(fractions)
        raise ValueError(f"data_loader.args: {names} must be below 1 to leave training data")


def split_indices(n: int, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Shuffle range(n) with a private generator and cut off `fraction` of it.

    Returns (kept, held_out). The global RNGs are not touched.
    """
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    cut = round(n * fraction)
    return order[cut:], order[:cut]


def check_fold(fold: Any) -> tuple[int, int]:
    """`data_loader.args.fold`: [k, K], validation on fold k of K (train.py --folds sets it)."""
    if (
        not isinstance(fold, (list, tuple))
        or len(fold) != 2
        or not all(isinstance(x, int) and not isinstance(x, bool) for x in fold)
        or not 0 <= fold[0] < fold[1]
        or fold[1] < 2
    ):
        raise ValueError(
            f"data_loader.args.fold must be [k, K] with 0 <= k < K, K >= 2; got {fold!r}"
        )
    return fold[0], fold[1]


def fold_split(
    pool: Sequence[int], fold: Any, seed: int, labels: Sequence[Any] | None = None
) -> tuple[list[int], list[int]]:
    """(train, val) for fold k of K over `pool`: the pool is shuffled by `seed`, then (with
    `labels`: sorted by class, keeping the shuffle within each class) dealt out in turn, so
    fold sizes differ by at most one sample, and so do each class's counts (stratified)."""
    k, folds = check_fold(fold)
    order = torch.randperm(len(pool), generator=torch.Generator().manual_seed(seed + 2)).tolist()
    dealt = [pool[i] for i in order]
    if labels is not None:
        dealt.sort(key=lambda i: labels[i])  # stable: shuffled within each class
    val = [i for p, i in enumerate(dealt) if p % folds == k]
    train = [i for p, i in enumerate(dealt) if p % folds != k]
    return train, val


def three_way_split(
    n: int,
    val_fraction: float,
    test_fraction: float,
    split_seed: int,
    fold: Any = None,
    labels: Sequence[Any] | None = None,
) -> dict[str, list[int]]:
    """Indices of the train, val and test splits of range(n), chosen by `split_seed` alone (the
    same test set whatever the training seed). With `fold` ([k, K]), val is fold k of the
    non-test samples (stratified by `labels`) and `val_fraction` is not used."""
    check_fractions(val_fraction=val_fraction, test_fraction=test_fraction)
    rest, test = split_indices(n, test_fraction, split_seed)
    if fold is not None:
        train, val = fold_split(rest, fold, split_seed, labels)
        return {"train": train, "val": val, "test": test}
    kept, val = split_indices(len(rest), val_fraction / (1.0 - test_fraction), split_seed + 1)
    return {"train": [rest[i] for i in kept], "val": [rest[i] for i in val], "test": test}


def seed_worker(worker_id: int) -> None:
    """Seed NumPy and `random` in each worker from the seed torch gives it; let the main
    process alone handle Ctrl-C."""
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ShardSampler(Sampler[int]):
    """This process's share of the dataset's indices (all of them without torchrun).

    With `shuffle`, each pass draws one permutation from `generator`, the same on every
    process, and deals it out by rank. Training shards (`pad=True`) wrap around so that every
    process runs the same number of batches, as DDP requires; evaluation shards do not, so
    each sample is counted exactly once.
    """

    def __init__(
        self,
        n: int,
        shuffle: bool,
        generator: torch.Generator,
        pad: bool,
        weights: torch.Tensor | None = None,
    ) -> None:
        self.n, self.shuffle, self.generator, self.weights = n, shuffle, generator, weights
        self.rank, self.world_size = distributed.rank(), distributed.world_size()
        self.total = -(-n // self.world_size) * self.world_size if pad else n

    def __iter__(self) -> Iterator[int]:
        if self.shuffle and self.weights is not None:  # n draws, with replacement, by weight
            order = torch.multinomial(self.weights, self.n, True, generator=self.generator).tolist()
        elif self.shuffle:
            order = torch.randperm(self.n, generator=self.generator).tolist()
        else:
            order = list(range(self.n))
        while len(order) < self.total:
            order += order[: self.total - len(order)]
        return iter(order[self.rank : self.total : self.world_size])

    def __len__(self) -> int:
        return len(range(self.rank, self.total, self.world_size))


def class_balancing_weights(targets: Sequence[int]) -> torch.Tensor:
    """Per-sample weights 1 / (count of its class): every class is drawn equally often."""
    labels = torch.as_tensor(list(targets), dtype=torch.long)
    counts = torch.bincount(labels).double()
    return 1.0 / counts[labels]


# The on/off options and their defaults.
BOOLEAN_OPTIONS = {
    "shuffle": True,
    "pin_memory": "auto",
    "drop_last": False,
    "persistent_workers": True,
}


class BaseDataLoader(DataLoader):
    """DataLoader with its own generators: the shuffle order and worker seeds follow `seed`
    and can be saved and restored (`rng_state` / `set_rng_state`). Under torchrun each
    process loads its own shard (`ShardSampler`).

    `train` marks the training split: shuffled (unless `shuffle: false`) and, under torchrun,
    padded so every process runs the same number of batches. Options from `data_loader.args`
    (after the dataset's own arguments): `shuffle`, `sampler` (random, or weighted: classes
    drawn equally often, for imbalanced data), `pin_memory` (auto: on when CUDA is there),
    `drop_last`, `persistent_workers`, `prefetch_factor`, `collate_fn` (a name in
    torch.utils.data).
    """

    OPTIONS = (
        "shuffle",
        "sampler",
        "pin_memory",
        "drop_last",
        "persistent_workers",
        "prefetch_factor",
        "collate_fn",
    )

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int,
        train: bool,
        num_workers: int = 0,
        seed: int = 0,
        output_names: list[str] | None = None,
        preprocessing: dict[str, Any] | None = None,
        task: str = "classification",
        targets: Sequence[int] | None = None,
        **options: Any,
    ) -> None:
        # What the model's outputs mean: the class names (classification) or the target
        # names (regression); and what was learned from the training split to prepare inputs
        # (e.g. feature means). Both are saved in checkpoints, for test.py and predict.py.
        self.output_names = list(output_names or [])
        self.preprocessing = dict(preprocessing or {})
        self.task = task  # classification or regression
        self.input_shape = tuple(dataset[0][0].shape)  # type: ignore[index]
        unknown = sorted(set(options) - set(self.OPTIONS))
        if unknown:
            raise ValueError(
                f"data_loader.args: unknown option(s) {', '.join(unknown)}; the loader also "
                f"takes {', '.join(self.OPTIONS)}"
            )
        flags = {key: options.get(key, default) for key, default in BOOLEAN_OPTIONS.items()}
        for key, value in flags.items():
            if not isinstance(value, bool) and not (key == "pin_memory" and value == "auto"):
                allowed = "true, false or auto" if key == "pin_memory" else "true or false"
                raise ValueError(f"data_loader.args.{key}: use {allowed}, not {value!r}")
        shuffle = train and flags["shuffle"]
        pin_memory = flags["pin_memory"]
        if pin_memory == "auto":  # page-locked batches copy to a CUDA device asynchronously
            pin_memory = torch.cuda.is_available()
        sampler_kind = options.get("sampler", "random")
        if sampler_kind not in ("random", "weighted"):
            raise ValueError(
                f"data_loader.args.sampler: use random or weighted, not {sampler_kind!r}"
            )
        weights = None
        if sampler_kind == "weighted" and train:
            if targets is None or task != "classification":
                raise ValueError("data_loader.args.sampler: weighted needs class labels")
            if not shuffle:
                raise ValueError(
                    "data_loader.args.sampler: weighted draws at random; shuffle: true"
                )
            weights = class_balancing_weights(targets)
        collate_name = options.get("collate_fn")
        collate_fn = getattr(torch.utils.data, collate_name, None) if collate_name else None
        if collate_name and not callable(collate_fn):
            raise ValueError(
                f"data_loader.args.collate_fn: {collate_name!r} not in torch.utils.data"
            )
        self.sampler_generator = torch.Generator().manual_seed(seed)
        size = len(dataset)  # type: ignore[arg-type]
        sampler = ShardSampler(size, shuffle, self.sampler_generator, pad=train, weights=weights)
        workers = num_workers > 0
        super().__init__(
            dataset,
            batch_size=batch_size,
            sampler=sampler,
            num_workers=num_workers,
            pin_memory=pin_memory,
            drop_last=train and flags["drop_last"],  # evaluation counts every sample
            persistent_workers=workers and flags["persistent_workers"],
            prefetch_factor=options.get("prefetch_factor") if workers else None,
            collate_fn=collate_fn,
            worker_init_fn=seed_worker,
            # Worker base seeds come from here (per process), not from the global torch RNG.
            generator=torch.Generator().manual_seed(seed + 1 + distributed.rank()),
        )

    def rng_state(self) -> dict[str, torch.Tensor]:
        return {
            "sampler": self.sampler_generator.get_state(),
            "loader": self.generator.get_state(),
        }

    def set_rng_state(self, state: dict[str, torch.Tensor]) -> None:
        self.sampler_generator.set_state(state["sampler"])
        self.generator.set_state(state["loader"])


class BatchStream:
    """An endless stream of batches from a `BaseDataLoader` whose position survives a restart.

    `state_dict` records the generator states at the start of the current pass and how many
    batches of it were consumed; `load_state_dict` replays that position exactly.
    """

    def __init__(self, loader: BaseDataLoader) -> None:
        self.loader = loader
        self._iterator: Any = None
        self._pass_start: dict[str, torch.Tensor] = loader.rng_state()
        self.consumed = 0

    def _start_pass(self) -> None:
        self._pass_start = self.loader.rng_state()
        self._iterator = iter(self.loader)
        self.consumed = 0

    @property
    def exact(self) -> bool:
        """Whether the data order can be saved and restored: the sampler draws its random
        numbers from the loader's own generator (never from the global RNG)."""
        sampler = getattr(self.loader, "sampler", None)
        return getattr(sampler, "generator", None) is self.loader.sampler_generator

    def next(self) -> Any:
        if self._iterator is None:
            self._start_pass()
        batch = next(self._iterator)
        self.consumed += 1
        if self.consumed == len(self.loader):
            # End the pass now (the loader's iterator stops, persistent workers go idle), so
            # the generators hold exactly the state the next pass starts from.
            for _ in self._iterator:
                pass
            self._iterator = None
        return batch

    def state_dict(self) -> dict[str, Any]:
        if self._iterator is None:  # at a pass boundary
            return {"rng": self.loader.rng_state(), "consumed": 0}
        return {"rng": self._pass_start, "consumed": self.consumed}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.loader.set_rng_state(state["rng"])
        self._iterator = None
        if state["consumed"]:
            self._start_pass()
            for _ in range(state["consumed"]):  # replay the part of the pass already trained on
                next(self._iterator)
            self.consumed = state["consumed"]
