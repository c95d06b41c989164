"""Operators' commands: `kiban inventory`, `kiban playbook` and `kiban verify`."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from typer import _click as click
from typer.core import TyperCommand, TyperOption

from kiban.cli.common import EXIT_BAD_INPUT, emit, fail, or_exit, write_atomically
from kiban.verify.sshconfig import HostKeyChecking

# pytest's own options pass through `kiban verify` and `kiban lab verify` untouched.
PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


class PassThroughCommand(TyperCommand):
    """A command whose own options are whole words; every other word goes to pytest exactly as written.

    click reads an unknown word such as ``-o ConnectTimeout=5`` (the value of ``--ssh-extra-args``) as a
    cluster of short options and finds its own ``-i`` inside it. Here kiban takes only its own options,
    each written as a word of its own (``--inventory FILE``, ``--inventory=FILE``, ``-i FILE``), with
    their values; after ``--`` nothing is kiban's.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value: set[str] = set()
        flags: set[str] = set()
        for param in self.get_params(ctx):
            if isinstance(param, TyperOption):
                names = [*param.opts, *param.secondary_opts]
                (flags if param.is_flag or param.count else takes_value).update(names)
        own: list[str] = []
        passed: list[str] = []
        words = iter(args)
        for word in words:
            if word == "--":
                passed += words
            elif word in takes_value:
                own += [word, *[value for value in [next(words, None)] if value is not None]]
            elif word in flags or (word.startswith("--") and word.split("=", 1)[0] in takes_value):
                own.append(word)
            else:
                passed.append(word)
        super().parse_args(ctx, own)
        ctx.args = passed
        return passed


StateArgument = Annotated[
    Path, typer.Argument(help="a kiban render, a `pulumi stack export`, or `pulumi stack output --json`")
]


StatesArgument = Annotated[
    list[Path],
    typer.Argument(
        help="a kiban render, a `pulumi stack export`, or `pulumi stack output --json`; several site stacks' "
        "states of one city (a spec with sites) merge into one inventory",
        show_default=False,
    ),
]


def inventory_command(
    states: StatesArgument,
    out: Annotated[Path, typer.Option("--out", "-o", help="Ansible YAML inventory to write")],
) -> None:
    """Write the stack's inventory as an Ansible inventory: groups by area, role and business.

    Several states (the site stacks of a spec with sites, one city, each site once) make one inventory:
    hosts named <name>.<site>, grouped also by site_<id>, each site group with its own areas and rules.
    """
    from kiban.verify.inventory import (
        ansible_inventory,
        ansible_inventory_text,
        inventory_from_state,
        located_inventory,
        merge_problems,
        merged_ansible_inventory,
    )

    if len(states) == 1:
        document = or_exit(lambda: inventory_from_state(states[0]))
        write_atomically(out, ansible_inventory_text(ansible_inventory(document)))
        typer.echo(f"wrote {out}: {len(document['hosts'])} hosts, {len(document['flows'])} planned rules")
        return
    located = []
    for state in states:
        document, where = or_exit(partial(located_inventory, state))
        located.append((state, document, where))
    problems = merge_problems(located)
    if problems:
        for file, problem in problems:
            typer.echo(problem.render(file), err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    documents = [document for _, document, _ in located]
    write_atomically(out, ansible_inventory_text(merged_ansible_inventory(documents)))
    sites = ", ".join(document["site"] for document in documents)
    hosts = sum(len(document["hosts"]) for document in documents)
    rules = sum(len(document["flows"]) for document in documents)
    typer.echo(f"wrote {out}: {hosts} hosts at {len(documents)} sites ({sites}), {rules} planned rules")


def playbook_command(
    state: StateArgument,
    out: Annotated[Path, typer.Option("--out", "-o", help="Ansible playbook to write, e.g. site.yml")],
) -> None:
    """Write the day-two playbook: host firewalls, time sources, load-balancer backends and client lists.

    Boot user data never follows the city (a change would replace the server); run this playbook with the
    inventory of `kiban inventory` after every `pulumi up`: ansible-playbook -i inventory.yml site.yml.
    """
    from kiban.verify.inventory import inventory_from_state
    from kiban_platform.templates.config import playbook

    document = or_exit(lambda: inventory_from_state(state))
    write_atomically(out, playbook(document, state.name))
    typer.echo(f"wrote {out}: day-two files for {len(document['hosts'])} hosts")


def verify_command(
    context: typer.Context,
    inventory: Annotated[Path, typer.Option("--inventory", "-i", help="Ansible inventory from `kiban inventory`")],
    area: Annotated[
        str | None,
        typer.Option(
            "--area",
            help="only this area's hosts and the checks that start on them: what the area's operators' terminal "
            "reaches through its bastion (a host of another area asked for with --hosts is refused)",
        ),
    ] = None,
) -> None:
    """Run the testinfra suite: services on their ports, time sync, firewalls, and isolation between areas.

    Other arguments go to pytest and testinfra as written (for example -x, -k juki, --hosts role_bastion,
    --ssh-extra-args "-o ConnectTimeout=5"); relative paths are the caller's. Exit 0 when every check passes,
    1 when one fails, 2 when the inventory cannot be read or --area names no area of it.
    """
    from kiban.verify.connect import inventory_areas
    from kiban.verify.run import check_inventory, run_suite

    # Read and checked here, before pytest: a broken inventory is one located message and exit 2,
    # not a page of collection errors.
    document = or_exit(lambda: check_inventory(inventory))
    if area is not None:
        areas = inventory_areas(document)
        if area not in areas:
            typer.echo(f"--area: {area!r} is not an area of {inventory} (its areas: {', '.join(areas)})", err=True)
            raise typer.Exit(EXIT_BAD_INPUT)
    raise typer.Exit(run_suite(inventory, list(context.args), area))


def ssh_config_command(
    inventory: Annotated[Path, typer.Argument(help="Ansible inventory from `kiban inventory`")],
    identity: Annotated[
        str | None,
        typer.Option("--identity", help="private key for every hop (IdentityFile and IdentitiesOnly on each block)"),
    ] = None,
    strict_host_key_checking: Annotated[
        HostKeyChecking,
        typer.Option(
            "--strict-host-key-checking",
            help="yes: only hosts already in known_hosts; accept-new: learn a new host's key once; no: any key",
        ),
    ] = HostKeyChecking.YES,
    known_hosts: Annotated[
        str | None, typer.Option("--known-hosts", help="known_hosts file to check and learn keys in")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="ssh_config to write (default: stdout)")] = None,
) -> None:
    """Write an OpenSSH config for the city: each host through its area's bastion, the key on both hops.

    Use it with ssh -F FILE HOST, with Ansible (ANSIBLE_SSH_ARGS="-F FILE") and with kiban verify
    (--ssh-config FILE). Exit 2 when the inventory cannot be read.
    """
    from kiban.verify.run import check_inventory
    from kiban.verify.sshconfig import SshOptions, resolved_path, ssh_config_text, writable_path

    for option, value in (("--identity", identity), ("--known-hosts", known_hosts)):
        if value is not None and not writable_path(value):
            raise fail(f"kiban ssh-config: {option}: a path with double quotes or control characters cannot be written")
    options = SshOptions(
        identity=resolved_path(identity),
        host_key_checking=strict_host_key_checking,
        known_hosts=resolved_path(known_hosts),
    )
    document = or_exit(lambda: check_inventory(inventory))
    emit(or_exit(lambda: ssh_config_text(document, options, inventory)), out)


def register(app: typer.Typer) -> None:
    app.command("inventory")(inventory_command)
    app.command("playbook")(playbook_command)
    app.command("verify", cls=PassThroughCommand, context_settings=PASS_THROUGH)(verify_command)
    app.command("ssh-config")(ssh_config_command)
