"""The `ptgen` command line: thin wrappers over options.py and render.py."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from ptgen import __version__
from ptgen.errors import PtgenError
from ptgen.options import SCHEMA, Option, load_options_file, parse_sets, resolve

app = typer.Typer(
    help="Generate modern PyTorch projects in the victoresque/pytorch-template layout.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
EXIT_INTERRUPTED = 130


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ptgen {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    ctx.obj = {"debug": debug}


@contextmanager
def _user_errors(ctx: typer.Context, error_exit: int | None = None) -> Iterator[None]:
    """Turn failures into one line on stderr and an exit code (`error_exit` for every error,
    where a command's other codes mean something else), unless --debug."""
    debug = bool(ctx.obj and ctx.obj.get("debug"))
    try:
        yield
    except PtgenError as exc:
        if debug:
            raise
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(error_exit or exc.exit_code) from None
    except (KeyboardInterrupt, typer.Abort):
        typer.echo("interrupted: nothing was written", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except (typer.Exit, typer.BadParameter):
        raise
    except BrokenPipeError:  # stdout closed early (`ptgen new x --dry-run | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
    except Exception as exc:
        if debug:
            raise
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        typer.echo(
            f"error: {type(exc).__name__}: {reason} (rerun with --debug for details)", err=True
        )
        raise typer.Exit(error_exit or 1) from None


def _interactive() -> bool:
    return sys.stdin.isatty()


def _prompt(option: Option, default: Any) -> Any:
    if option.kind == "bool":
        return typer.confirm(option.help, default=default, err=True)
    question = f"{option.name} ({option.help})"
    if option.choices:
        question += f" [{'/'.join(option.choices)}]"
    while True:
        value = typer.prompt(question, default=default, err=True)
        try:
            return option.convert(value)
        except PtgenError as exc:
            typer.echo(exc.message, err=True)


@app.command()
def new(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Project name (folder and package).")],
    options: Annotated[
        Path | None,
        typer.Option("--options", help="YAML file of option values.", dir_okay=False),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Option value KEY=VALUE (repeatable; wins over --options)."),
    ] = None,
    output_dir: Annotated[
        Path, typer.Option("--output-dir", "-o", help="Folder to create the project in.")
    ] = Path("."),
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the files it would write; write nothing.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing folder (after rendering).")
    ] = False,
) -> None:
    """Create a new project NAME. Prints the created path on stdout."""
    from ptgen.render import Generation

    with _user_errors(ctx):
        from_file = load_options_file(options) if options else {}
        prompter = _prompt if not no_input and _interactive() else None
        answers = resolve(name, from_file, parse_sets(set_ or []), prompter)
        generation = Generation(answers, output_dir, force=force)
        if dry_run:
            for rel in generation.dry_run():
                typer.echo(f"{generation.dest.name}/{rel}")
            typer.echo("dry run: nothing was written", err=True)
            return
        try:
            dest = generation.run()
        except KeyboardInterrupt:
            if not generation.committed:
                raise
            typer.echo(f"interrupted: the new project is in place in {generation.dest}", err=True)
            typer.echo(str(generation.dest))
            raise typer.Exit(EXIT_INTERRUPTED) from None
        typer.echo(f"created {answers['dataset']} + {answers['model']} project in {dest}", err=True)
        typer.echo("next: pip install -e . && python train.py -c config.yaml", err=True)
        typer.echo(str(dest))


ProjectPath = Annotated[
    Path, typer.Argument(help="The project folder (default: here).", file_okay=False)
]


@app.command()
def update(
    ctx: typer.Context,
    path: ProjectPath = Path("."),
    options: Annotated[
        Path | None,
        typer.Option("--options", help="YAML file of changed option values.", dir_okay=False),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Change an answer KEY=VALUE (repeatable)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would change; write nothing.")
    ] = False,
    allow_dirty: Annotated[
        bool,
        typer.Option("--allow-dirty", help="Update a git tree with uncommitted changes."),
    ] = False,
    adopt: Annotated[
        bool,
        typer.Option(
            "--adopt",
            help="Take a project ptgen did not record (plain cookiecutter, ptgen <= 0.2.0): "
            "its answers from .ptgen.yaml or --options.",
        ),
    ] = False,
    from_version: Annotated[
        str | None,
        typer.Option(
            "--from", help="With --adopt: the template version that made it (default: this one)."
        ),
    ] = None,
) -> None:
    """Bring a project up to this ptgen's template, keeping your edits (three-way merge).

    Exit status: 0 updated cleanly, 1 conflicts left to resolve (marked in the files), 2 error.
    """
    from ptgen.render import terminate_as_interrupt
    from ptgen.update import apply, git_dirty, plan_update

    with _user_errors(ctx, error_exit=2):
        if from_version is not None and not adopt:
            raise PtgenError("--from goes with --adopt")
        changes = load_options_file(options) if options else {}
        plan = plan_update(
            path, parse_sets(set_ or []), changes, adopt=adopt, adopt_from=from_version
        )
        for line in plan.summary():
            typer.echo(line)
        if dry_run:
            typer.echo("dry run: nothing was written", err=True)
            raise typer.Exit(1 if plan.conflicts else 0)
        if plan.up_to_date:
            typer.echo("up to date: nothing to write", err=True)
            return
        dirty = git_dirty(plan.project)
        if dirty and not allow_dirty:
            raise PtgenError(
                "the git tree has uncommitted changes; commit or stash them first (or "
                "--allow-dirty), so that the update can be reviewed and undone"
            )
        try:
            with terminate_as_interrupt():
                backup = apply(plan, keep_backup=dirty is not False)
        except KeyboardInterrupt:
            if not plan.committed:
                raise
            typer.echo("interrupted after the update was complete", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        if backup is not None:
            typer.echo(f"the files replaced are kept in {backup}", err=True)
        if plan.conflicts:
            typer.echo(
                f"{plan.conflicts} file(s) with conflicts: resolve the <<<<<<< markers",
                err=True,
            )
            raise typer.Exit(1)


@app.command()
def check(
    ctx: typer.Context,
    path: ProjectPath = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Say whether a project matches this ptgen's template for its answers.

    Exit status: 0 up to date, 1 an update is available (what would change is printed), 2 error.
    """
    import json

    from ptgen.update import plan_update

    with _user_errors(ctx, error_exit=2):
        plan = plan_update(path)
        if as_json:
            typer.echo(json.dumps(plan.as_json(), indent=2))
        elif plan.up_to_date:
            typer.echo(f"up to date with template {plan.to_version}")
        else:
            for line in plan.summary():
                typer.echo(line)
        if not plan.up_to_date:
            raise typer.Exit(1)


@app.command()
def add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="dataset, model, metric or loss.")],
    name: Annotated[
        str,
        typer.Argument(help="A preset (cifar10, mlp, resnet50, ...) or a new Python name."),
    ],
    path: Annotated[
        Path, typer.Option("--path", "-p", help="The project folder.", file_okay=False)
    ] = Path("."),
) -> None:
    """Add a component to a project and export it where config.yaml looks; the block to put
    in config.yaml goes to configs/ (your config.yaml is never rewritten)."""
    from ptgen.add import add_component

    with _user_errors(ctx):
        plan = add_component(path, kind, name)
        for change in plan.changes:
            typer.echo(f"{change.action:<10} {change.path}")
        fragment = next((c.path for c in plan.changes if c.path.startswith("configs/")), None)
        if fragment:
            typer.echo(f"next: use the block in {fragment} in config.yaml", err=True)
        else:
            typer.echo(
                f"next: name {name} in config.yaml ({kind}{'' if kind == 'loss' else 's'}:)",
                err=True,
            )


@app.command("options")
def list_options() -> None:
    """List every option with its type, default, allowed values and help."""
    for option in SCHEMA.options:
        default = str(option.default).lower() if option.kind == "bool" else option.default
        typer.echo(f"{option.name}  ({option.kind}, default: {default})")
        typer.echo(f"    {option.help}")
        typer.echo(f"    allowed: {option.allowed()}")
        if option.when:
            typer.echo(f"    applies when: {option.describe_when()}")
        if not option.prompt:
            typer.echo("    set by: the NAME argument of `ptgen new`")


def main() -> None:
    app()
