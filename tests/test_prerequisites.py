"""`make test` checks Debian's chromium, npm and a Chinese font first: found, named, or installed as root."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.prerequisites import main, missing_packages


def fake_tool(directory: Path, name: str, script: str) -> None:
    path = directory / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def environment(tmp_path: Path, chromium: bool, zh_font: bool, fc_list: bool = True, npm: bool = True) -> dict[str, str]:
    """A PATH of fake tools only, and a Chromium file that is there or not."""
    home = tmp_path / f"chromium-{chromium}-font-{zh_font}-fc-{fc_list}-npm-{npm}"
    tools = home / "bin"
    tools.mkdir(parents=True)
    if npm:
        fake_tool(tools, "npm", "exit 0")
    if fc_list:
        font = "/usr/share/fonts/wqy-microhei.ttc: WenQuanYi Micro Hei:style=Regular" if zh_font else ""
        fake_tool(tools, "fc-list", f"echo '{font}'" if font else "exit 0")
    browser = home / "chromium"
    if chromium:
        browser.write_text("")
    return {"PATH": str(tools), "CHROMIUM": str(browser), "HOME": str(home)}


def test_nothing_is_missing_when_chromium_and_a_chinese_font_are_there(tmp_path):
    assert missing_packages(environment(tmp_path, chromium=True, zh_font=True)) == []


def test_each_missing_part_is_named_by_its_debian_package(tmp_path):
    assert missing_packages(environment(tmp_path, chromium=False, zh_font=True)) == ["chromium"]
    assert missing_packages(environment(tmp_path, chromium=True, zh_font=False)) == ["fonts-wqy-microhei"]
    no_fontconfig = environment(tmp_path, chromium=False, zh_font=False, fc_list=False)
    assert missing_packages(no_fontconfig) == ["chromium", "fontconfig", "fonts-wqy-microhei"]
    assert missing_packages(environment(tmp_path, chromium=True, zh_font=True, npm=False)) == ["nodejs", "npm"]


def test_without_root_it_stops_with_one_message_naming_the_packages(tmp_path, capsys):
    assert main(environment(tmp_path, chromium=False, zh_font=False), is_root=False) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "apt-get install chromium fonts-wqy-microhei" in err[0]


def test_as_root_it_installs_them_with_apt_get(tmp_path, capsys):
    env = environment(tmp_path, chromium=False, zh_font=False)
    calls = tmp_path / "apt-calls"
    # A stand-in apt-get: records its arguments and "installs" both (the fake browser file and
    # an fc-list that now finds a Chinese font).
    fake_tool(Path(env["PATH"]), "apt-get", (
        f'echo "$DEBIAN_FRONTEND $*" >> {calls}\n'
        f'case "$1" in install) : > {env["CHROMIUM"]}; '
        f"printf '#!/bin/sh\\necho wqy: WenQuanYi Micro Hei\\n' > {env['PATH']}/fc-list;; esac"
    ))
    assert main(env, is_root=True) == 0
    assert calls.read_text().splitlines() == [
        "noninteractive update -qq", "noninteractive install -y -qq chromium fonts-wqy-microhei"]
    assert "installing chromium fonts-wqy-microhei" in capsys.readouterr().out


def test_as_root_a_failed_install_is_one_clear_message(tmp_path, capsys):
    env = environment(tmp_path, chromium=False, zh_font=True)
    fake_tool(Path(env["PATH"]), "apt-get", "exit 100")
    assert main(env, is_root=True) == 1
    assert "install chromium yourself" in capsys.readouterr().err
    assert os.path.exists(env["CHROMIUM"]) is False
