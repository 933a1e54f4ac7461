"""The unit's config: defaults, overrides, and errors a technician can fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.config import (
    EX_CONFIG,
    ConfigError,
    fares_path,
    load_config,
    render_config,
    shipped_config,
    shipped_config_dir,
)


def write(tmp_path: Path, text: str, name: str = "unit.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return str(caught.value)


def test_the_defaults_alone_make_a_complete_config() -> None:
    config = load_config(None)
    assert config.device.language == "ru"
    assert config.nfc.poll_timeout == 0.5
    assert config.feedback.buzzer_pin == 18
    assert config.ledger.url == ""
    assert config.source is None


def test_a_unit_file_overrides_only_the_keys_it_names(tmp_path: Path) -> None:
    unit = write(tmp_path, '[device]\nlanguage = "kk"\n[nfc]\npoll_timeout = 1\n')
    config = load_config(unit)
    assert config.device.language == "kk"
    assert config.nfc.poll_timeout == 1.0
    assert config.device.timezone == "Asia/Almaty"
    assert config.nfc.path == "usb"
    assert config.source == unit


def test_the_shipped_sim_and_pi_files_load() -> None:
    sim = load_config(shipped_config("sim.toml"))
    pi = load_config(shipped_config("pi.toml"))
    assert sim.feedback.backend == "recording"
    assert pi.feedback.backend == "gpio"
    assert pi.nfc.path == "tty:AMA0:pn532"


def test_a_misspelt_key_is_refused_with_the_file_and_the_right_spelling(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[nfc]\npathh = "usb"\n')
    assert "unit.toml: unknown key 'nfc.pathh'" in message
    assert "did you mean 'nfc.path'?" in message


def test_a_key_in_the_wrong_section_points_to_its_section(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[nfc]\nlanguage = "en"\n')
    assert "did you mean 'device.language'?" in message


def test_a_key_outside_any_section_says_where_it_belongs(tmp_path: Path) -> None:
    message = error_for(tmp_path, 'language = "en"\n')
    assert "'language' is outside any section — put it under [device]" in message


def test_an_unknown_section_is_refused_with_the_nearest_one(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[nfcc]\npath = "usb"\n')
    assert "unknown section [nfcc] — did you mean [nfc]?" in message


def test_seconds_that_are_not_a_number_are_refused(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[nfc]\npoll_timeout = "fast"\n')
    assert "nfc.poll_timeout must be a number of seconds, got 'fast'" in message


def test_zero_or_negative_seconds_are_refused(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[ledger]\ntimeout = -1\n")
    assert "ledger.timeout must be a number of seconds above 0, got -1" in message


def test_an_unsupported_language_lists_the_supported_ones(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[device]\nlanguage = "de"\n')
    assert "device.language must be one of kk, ru, en, got 'de'" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[nfc]\nbackend = "pn532"\n', "nfc.backend must be one of nfcpy, none, got 'pn532'"),
        ('[feedback]\nbackend = "gpiozero"\n', "feedback.backend must be one of gpio, recording"),
        ('[feedback]\ndisplay = "lcd"\n', "feedback.display must be one of terminal, none"),
        ('[route]\ndirection = "up"\n', "route.direction must be one of forward, backward"),
    ],
)
def test_every_backend_and_direction_name_is_checked(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert expected in error_for(tmp_path, text)


@pytest.mark.parametrize("value", ["40", "-1", "true", '"18"'])
def test_a_pin_outside_the_header_is_refused(tmp_path: Path, value: str) -> None:
    message = error_for(tmp_path, f"[feedback]\nbuzzer_pin = {value}\n")
    assert "feedback.buzzer_pin must be a BCM pin number 0..27" in message


def test_two_parts_on_one_pin_are_refused(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[feedback]\nred_pin = 23\n")
    assert "feedback.green_pin and feedback.red_pin are both pin 23" in message
    assert "give each its own BCM pin" in message


def test_route_number_must_be_quoted_text(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[route]\nnumber = 12\n")
    assert "route.number must be text in quotes" in message


def test_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[device]\ntimezone = "Asia/Atirau"\n')
    assert "device.timezone must be an IANA time zone" in message


def test_a_ledger_address_must_be_http(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[ledger]\nurl = "ledger.example.kz"\n')
    assert "ledger.url must start with https://" in message


def test_an_nfc_path_must_name_a_transport(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[nfc]\npath = "/dev/ttyUSB0"\n')
    assert "nfc.path must start with usb, tty, com or udp" in message


def test_a_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[device]\nlanguage = en\n")
    assert "unit.toml: not valid TOML" in message
    assert "line 2" in message
    assert "fix the syntax on that line" in message


def test_a_missing_file_says_how_to_pass_the_right_one(tmp_path: Path) -> None:
    missing = tmp_path / "etc" / "unit.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(missing)
    assert str(caught.value) == (
        f"config file {missing} was not found — pass --config with the path of this "
        "unit's TOML file (e.g. config/sim.toml)"
    )


def test_a_config_error_carries_the_file_and_the_key(tmp_path: Path) -> None:
    unit = write(tmp_path, '[device]\nlanguage = "de"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(unit)
    assert (caught.value.file, caught.value.key) == (unit, "device.language")
    assert EX_CONFIG == 78


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_file_contents_give_a_config_or_a_config_error(text: str) -> None:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"fuzz-{os.getpid()}.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_config(path)
    except ConfigError as error:
        assert str(path) in str(error)
    finally:
        path.unlink()


def test_the_effective_config_shows_values_and_masks_the_token(tmp_path: Path) -> None:
    unit = write(tmp_path, '[ledger]\nurl = "https://ledger.example.kz"\napi_token = "s3cr3t"\n')
    rendered = render_config(load_config(unit))
    assert 'url = "https://ledger.example.kz"' in rendered
    assert 'api_token = "********"' in rendered
    assert "s3cr3t" not in rendered
    assert "buzzer_pin = 18" in rendered
    assert "s3cr3t" not in repr(load_config(unit))


def test_an_empty_secret_is_shown_empty() -> None:
    assert 'api_token = ""' in render_config(load_config(None))


def test_the_rendered_config_loads_back_to_the_same_values(tmp_path: Path) -> None:
    original = load_config(shipped_config("sim.toml"))
    again = load_config(write(tmp_path, render_config(original)))
    assert (again.device, again.nfc, again.store) == (original.device, original.nfc, original.store)


def test_a_relative_data_dir_is_taken_from_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(write(tmp_path, '[store]\ndata_dir = "./data"\n'))
    assert config.store.data_dir == tmp_path / "data"


def test_a_fare_table_beside_the_unit_file_is_used(tmp_path: Path) -> None:
    write(tmp_path, "", name="fares.toml")
    config = load_config(write(tmp_path, '[fares]\nfile = "fares.toml"\n'))
    assert fares_path(config) == tmp_path / "fares.toml"


def test_without_a_fare_table_beside_it_the_shipped_one_is_used(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[fares]\nfile = "fares.toml"\n'))
    assert fares_path(config) == shipped_config_dir() / "fares.toml"
    assert fares_path(load_config(None)) == shipped_config_dir() / "fares.toml"
