from limo.freshness import is_current, mark_done, stage_key


def test_stage_is_current_only_with_same_config_inputs_and_outputs(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text('{"a": 1}\n')
    out = tmp_path / "out.jsonl"
    key = stage_key({"lr": 1}, [data])
    assert not is_current(tmp_path, "s", key, [out])
    out.write_text("x")
    mark_done(tmp_path, "s", key)
    assert is_current(tmp_path, "s", key, [out])
    assert not is_current(tmp_path, "s", stage_key({"lr": 2}, [data]), [out])  # config changed
    data.write_text('{"a": 2}\n')
    assert not is_current(tmp_path, "s", stage_key({"lr": 1}, [data]), [out])  # input changed
    out.unlink()
    assert not is_current(tmp_path, "s", key, [out])  # output gone


def test_torn_stamp_means_not_done(tmp_path):
    (tmp_path / ".limo-stage-s.json").write_text('{"key": "ab')
    assert not is_current(tmp_path, "s", "ab", [])
