"""Build the name lists in transcript_analyzer/data/names/ from maintained, offline sources.

Sources (nothing is downloaded by this script; fetch the two packages with pip first):

- US Census 1990 first-name and surname frequency lists (public domain), as shipped in the PyPI
  package `names` 0.3.0 (MIT): ``pip download --no-deps names`` and unpack the sdist.
- Faker (MIT) person providers for en, en_GB, en_IE, en_IN, en_KE, en_NG, en_NZ, en_PK, en_US and
  pl_PL: ``pip download --no-deps faker`` and unzip ``faker/providers/person``. The providers are
  read with ``ast`` (literal strings only); Faker is never imported or installed.
- The hand-curated ``curated_first_names.txt`` and ``curated_surnames.txt`` in the same folder.

Outputs (lower case, apostrophes, dots and hyphens removed, sorted): ``first_names.txt``,
``surnames.txt``, ``common_word_names.txt`` (first names that are also everyday English words;
they need a context cue), ``frequent_first_names.txt`` (names common enough to count without a
cue in all-lower-case text or, if also words, when capitalised mid-sentence) and
``surname_words.txt`` (surnames that are also words); then ``name_keys.txt``, the keys of all
the lists in the one file the check reads (as ``scripts/build_name_keys.py`` does).

    python scripts/build_name_lists.py --census /tmp/names-0.3.0/names \
        --faker /tmp/faker/providers/person
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "transcript_analyzer" / "data" / "names"
LOCALES = ("en", "en_GB", "en_IE", "en_IN", "en_KE", "en_NG", "en_NZ", "en_PK", "en_US", "pl_PL")
FIRST_FIELDS = {"first_names", "first_names_male", "first_names_female", "first_names_nonbinary"}
LAST_FIELDS = {"last_names", "last_names_male", "last_names_female", "unisex_last_names",
               "male_last_names", "female_last_names"}
# Names that are everyday words although the lemma tables do not list them as such.
EXTRA_COMMON = """
april june august may march summer autumn winter spring amber heather holly ivy rose poppy
daisy iris hazel olive ruby pearl jade crystal dawn joy hope faith grace patience charity
honor honour mercy constance prudence sky skye rain storm river brook brooke lane chase hunter
drew guy will bill mark frank rob bob sue pat don art max jack penny sandy cliff dean gene
ray rich sonny sunny buck nick doc king prince major earl duke baron chance miles
august precious blessing favour favor lovely princess angel star bliss harmony melody
happy lucky rocky rusty dusty cherry ginger candy honey sugar coco bunny kitty peace media
sunshine numbers isis les dick banks golden sterling unique urban versa meta imo karma venus
sim dot shell grant lance wade pierce randy tory kent scot tudor brandy sherry misty ebony opal
rowan violet viola dale glen eve robin christian jay patty paddy corrie ling ming yaw wale mags
becks ade gaz
""".split()
# Census rank cut-offs for the "frequent" first names that may count in lower case without a cue.
FREQUENT_MALE, FREQUENT_FEMALE = 300, 500
SHORT_NAMES = {"jo", "al", "ed", "li", "bo", "vi", "ty"}


def key(name: str) -> str:
    text = unicodedata.normalize("NFC", name.strip().lower())
    return re.sub(r"['’\-.]", "", text)


def literal_strings(node: ast.AST) -> list[str]:
    """Strings in a tuple/list literal, or the keys of an OrderedDict((k, v), ...) / dict."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List)):
        out: list[str] = []
        for element in node.elts:
            if isinstance(element, ast.Tuple) and element.elts:
                out.extend(literal_strings(element.elts[0]))
            else:
                out.extend(literal_strings(element))
        return out
    if isinstance(node, ast.Dict):
        return [k.value for k in node.keys if isinstance(k, ast.Constant)]
    if isinstance(node, ast.Call) and node.args:
        return literal_strings(node.args[0])
    return []


def faker_names(root: Path, locales=LOCALES) -> tuple[set[str], set[str]]:
    first: set[str] = set()
    last: set[str] = set()
    for locale in locales:
        tree = ast.parse((root / locale / "__init__.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if not isinstance(target, ast.Name):
                continue
            if target.id in FIRST_FIELDS:
                first.update(literal_strings(value))
            elif target.id in LAST_FIELDS:
                last.update(literal_strings(value))
    return first, last


def census_names(path: Path, top: int | None = None) -> set[str]:
    lines = [line for line in path.read_text(encoding="ascii").splitlines() if line]
    return {line.split()[0] for line in lines[:top]}


def faker_locale_first(root: Path, locale: str) -> set[str]:
    first, _ = faker_names(root, (locale,))
    return first


def curated(path: Path) -> set[str]:
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


def english_words() -> set[str]:
    """Everyday words: spacy-lookups-data's lemma table (inflected forms and their lemmas) and the
    WordNet adjective, adverb and verb indexes. WordNet nouns are left out: they include proper
    names ("john", "karen")."""
    import gzip
    import json

    import spacy_lookups_data

    data = Path(spacy_lookups_data.__file__).parent / "data"
    with gzip.open(data / "en_lemma_lookup.json.gz", "rt", encoding="utf-8") as handle:
        lookup = json.load(handle)
    with gzip.open(data / "en_lemma_index.json.gz", "rt", encoding="utf-8") as handle:
        index = json.load(handle)
    words = set(lookup) | set(lookup.values())
    for pos in ("adj", "adv", "verb"):
        words.update(index[pos])
    return {w.lower() for w in words}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--census", type=Path, required=True, help="names/ folder of `names`")
    parser.add_argument("--faker", type=Path, required=True, help="faker/providers/person")
    args = parser.parse_args()

    from spacy.lang.en.stop_words import STOP_WORDS

    fk_first, fk_last = faker_names(args.faker)
    first = (census_names(args.census / "dist.male.first")
             | census_names(args.census / "dist.female.first")
             | fk_first | curated(OUT / "curated_first_names.txt"))
    last = (census_names(args.census / "dist.all.last") | fk_last
            | curated(OUT / "curated_surnames.txt"))
    blocked = {key(w) for w in curated(OUT / "not_names.txt")}
    # Stop words stay out, except the few that are also first names (Will, May): those are kept
    # and marked as everyday words, so they need a cue.
    first_keys = {key(n) for n in first
                  if (len(key(n)) > 2 or key(n) in SHORT_NAMES) and " " not in n}
    first_keys -= blocked | (set(STOP_WORDS) - set(EXTRA_COMMON))
    blocked |= set(STOP_WORDS)
    last_keys = {key(n) for n in last if len(key(n)) > 1 and " " not in n} - blocked

    from wordfreq import zipf_frequency

    frequent_source = (census_names(args.census / "dist.male.first", FREQUENT_MALE)
                       | census_names(args.census / "dist.female.first", FREQUENT_FEMALE)
                       | faker_locale_first(args.faker, "en_GB")
                       | faker_locale_first(args.faker, "en_IE")
                       | curated(OUT / "curated_first_names.txt"))
    frequent = sorted({key(n) for n in frequent_source} & first_keys)
    words = english_words()
    # A first name is an everyday word when EXTRA_COMMON says so (checked by hand: "hope", "dot",
    # "grant"), or when it is in the word lists and is not a frequent name ("esker", "tai").
    # Frequent names whose word sense is rare stay names ("gemma", "jenny", "harry", "peter").
    common = sorted(n for n in first_keys
                    if n in EXTRA_COMMON or (n in words and n not in frequent))

    surname_words = sorted(n for n in last_keys
                           if n in words or n in EXTRA_COMMON or zipf_frequency(n, "en") >= 4.3)

    header = ("# Generated by scripts/build_name_lists.py from US Census 1990 (public domain, via the "
              "`names` package), Faker person providers (MIT) and the curated_*.txt files. "
              "Lower case, apostrophes and hyphens removed.\n")
    (OUT / "first_names.txt").write_text(header + "\n".join(sorted(first_keys)) + "\n",
                                         encoding="utf-8")
    (OUT / "surnames.txt").write_text(header + "\n".join(sorted(last_keys)) + "\n",
                                      encoding="utf-8")
    (OUT / "common_word_names.txt").write_text(
        "# Generated: first names that are also everyday English words (spaCy lookup lemma table "
        "plus a short list in the build script). They count as names only with a context cue.\n"
        + "\n".join(common) + "\n", encoding="utf-8")
    (OUT / "frequent_first_names.txt").write_text(
        "# Generated: frequent first names (US census top 300 male / 500 female, Faker en_GB and "
        "en_IE, curated list). Those that are not everyday words count as names in all-lower-case "
        "text without a cue; those that are (Grace, Jack) count when capitalised mid-sentence.\n" + "\n".join(frequent) + "\n", encoding="utf-8")
    (OUT / "surname_words.txt").write_text(
        "# Generated: surnames that are also everyday words (same word lists as "
        "common_word_names.txt, plus anything with wordfreq Zipf >= 4.3, e.g. 'yeah'); they count "
        "only after a first name or a title.\n" + "\n".join(surname_words) + "\n",
        encoding="utf-8")
    sys.path.insert(0, str(ROOT))
    from transcript_analyzer.privacy.names import _NAME_KEYS, _name_keys_text

    (OUT / _NAME_KEYS).write_text(_name_keys_text(), encoding="utf-8", newline="\n")
    print(f"surname words {len(surname_words)}; frequent {len(frequent)}; first names {len(first_keys)}, surnames {len(last_keys)}, common-word names {len(common)}")


if __name__ == "__main__":
    main()
