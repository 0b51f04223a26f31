"""The study file's one declared schema (precompute/study_schema.py): every section refuses unknown keys
and wrong types, naming the file, the section and the key, with a suggestion; nothing is built."""
import pytest

from precompute.__main__ import main
from precompute.config import load_study
from precompute.study import StudyError
from precompute.study_schema import SECTIONS, STUDY
from precompute.study_schema_types import TYPES

RATINGS = ("item,worker,score,text\n"
           "a,w1,0,first\na,w2,1,first\na,w1,1,first\n"  # w1 rated item a twice: must be caught
           "b,w1,1,second\nb,w2,1,second\n")
LONG = """[study]
name = "schema"
min_annotators = 2

[[dataset]]
format = "long"
task = "off"
path = "r.csv"
labels = ["0", "1"]
[dataset.columns]
item_id = "item"
annotator_id = "worker"
label = "score"
text = "text"
"""
IMPORT = """
[[run]]
source = "import"
name = "ext"
model_id = "ext-model"
training = "rlhf"
pair_id = "p1"
method = "verbalized"
path = "p.csv"
"""


def refused(tmp_path, toml: str) -> str:
    """The message of the StudyError the study file raises; the CLI says it in one line, exit 2."""
    (tmp_path / "r.csv").write_text(RATINGS, encoding="utf-8")
    (tmp_path / "p.csv").write_text("item_id,probs\na,\"[0.5, 0.5]\"\n", encoding="utf-8")
    cfg = tmp_path / "study.toml"
    cfg.write_text(toml, encoding="utf-8")
    with pytest.raises(StudyError) as e:
        load_study(cfg)
    out = tmp_path / "s.duckdb"
    assert main(["build", "--config", str(cfg), "--out", str(out), "--quiet"]) == 2
    assert not out.exists()
    return str(e.value)


def test_the_fixture_itself_is_valid_and_its_duplicate_rater_is_caught(tmp_path):
    message = refused(tmp_path, LONG)
    assert "annotator 'w1' rated item 'a' twice" in message


def test_a_typo_in_a_columns_key_is_refused_not_a_silent_loss_of_annotator_ids(tmp_path):
    message = refused(tmp_path, LONG.replace('annotator_id = "worker"', 'annotator = "worker"'))
    assert str(tmp_path / "study.toml") in message
    assert '[[dataset]] #1 "off", [dataset.columns]: unknown key \'annotator\'. ' \
           "Did you mean 'annotator_id'?" in message


def test_labels_written_as_one_string_are_refused_with_the_list_to_write(tmp_path):
    message = refused(tmp_path, LONG.replace('labels = ["0", "1"]', 'labels = "0,1"'))
    assert "key 'labels': expected a list of labels, got '0,1' (a string); write labels = [\"0\", \"1\"]" \
        in message


def test_min_annotators_in_words_is_refused(tmp_path, capsys):
    message = refused(tmp_path, LONG.replace("min_annotators = 2", 'min_annotators = "two"'))
    assert "[study], key 'min_annotators': expected an integer, got 'two' (a string)" in message
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert "at least 1" in refused(tmp_path, LONG.replace("min_annotators = 2", "min_annotators = 0"))


@pytest.mark.parametrize("typo, suggestion", [("pair_id", "pairid"), ("method", "methd")])
def test_import_run_key_typos_are_refused(tmp_path, typo, suggestion):
    message = refused(tmp_path, LONG + IMPORT.replace(f"{typo} =", f"{suggestion} ="))
    assert f'[[run]] #1 "ext": unknown key {suggestion!r}. Did you mean {typo!r}?' in message


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace("[study]", "[studdy]"), "unknown key 'studdy'. Did you mean 'study'?"),
    (lambda t: t + "\n[[dataset]]\nadapter = \"popquorn\"\npath = \"x\"\ntask = [\"a\"]\n",
     '[[dataset]] #2 "popquorn": unknown key \'task\'. Did you mean \'tasks\'?'),
    (lambda t: t + 'scael = "ordinal"\n', "[dataset.columns]: unknown key 'scael'"),  # after the columns header
    (lambda t: t.replace('format = "long"', 'format = "long"\nscale = 3'),
     "key 'scale': expected a string, got 3 (an integer)"),
    (lambda t: t.replace('format = "long"', 'format = "long"\nscale = "ordnal"'),
     "key 'scale': 'ordnal' is not one of nominal, ordinal. Did you mean 'ordinal'?"),
    (lambda t: t + '\n[[run]]\nsource = "simulated"\nname = "s"\nmodel_id = "m"\ntraining = "rlvr"\n'
                   'method = "sampling"\nn_samples = "10"\n',
     '[[run]] #1 "s", key \'n_samples\': expected an integer, got \'10\''),
    (lambda t: t + '\n[[run]]\nsource = "simulated"\nname = "s"\nmodel_id = "m"\ntraining = "rlvf"\n'
                   'method = "sampling"\n', "key 'training': 'rlvf' is not one of"),
    (lambda t: t + '\n[[run]]\nsource = "imported"\nname = "s"\n', "unknown source 'imported'. Did you mean 'import'?"),
    (lambda t: t + IMPORT.replace('model_id = "ext-model"\n', ""), "missing key(s) model_id"),
    (lambda t: t.replace('[study]', '[study]\nmissing_elicited = "skp"'), "Did you mean 'skip'?"),
])
def test_every_section_is_checked(tmp_path, edit, expected):
    message = refused(tmp_path, edit(LONG))
    assert expected in message, message


def test_task_tables_and_their_columns_are_checked(tmp_path):
    toml = LONG.replace('task = "off"', "").replace('labels = ["0", "1"]\n', "").split("[dataset.columns]")[0]
    toml += ('[dataset.columns]\nitem_id = "item"\ntext = "text"\n'
             '[[dataset.task]]\nid = "off"\nlabels = ["0", "1"]\ncolumns = { label = "score", annotatr_id = "worker" }\n')
    message = refused(tmp_path, toml)
    assert '[[dataset.task]] #1 "off", columns: unknown key \'annotatr_id\'. Did you mean \'annotator_id\'?' \
        in message
    fixed = toml.replace("annotatr_id", "annotator_id").replace('labels = ["0", "1"]\n', 'lables = ["0", "1"]\n')
    assert "unknown key 'lables'. Did you mean 'labels'?" in refused(tmp_path, fixed)


def test_study_defaults_come_from_the_declaration(tmp_path):
    (tmp_path / "r.csv").write_text(RATINGS.replace("a,w1,1,first\n", ""), encoding="utf-8")
    (tmp_path / "study.toml").write_text(LONG.replace("min_annotators = 2\n", ""), encoding="utf-8")
    study = load_study(tmp_path / "study.toml")
    assert (study.seed, study.min_annotators, study.baselines) == (
        STUDY.key("seed").default, STUDY.key("min_annotators").default, STUDY.key("baselines").default)


def test_every_declared_key_has_help_a_known_type_and_valid_choices():
    for section in SECTIONS:
        names = section.names()
        assert len(names) == len(set(names)), f"{section.name} declares a key twice"
        for key in section.keys:
            assert key.help and key.type in TYPES
            if key.default is not None:
                key.check(key.default, section.name)  # a default must pass its own check
