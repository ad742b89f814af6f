//! Loading and validating the catalog directory.
//!
//! Every problem in every file is collected before the loader gives up, so a
//! catalog maintainer fixes them all in one pass. A problem names the file,
//! the key (and its line where the file could be parsed) and the reason.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::path::Path as FsPath;

use include_dir::{Dir, include_dir};
use serde::de::DeserializeOwned;

use crate::catalog::{Catalog, CatalogState, Crosswalk, MethodsBasis};
use crate::locate::{LineCol, Path, TomlIndex, line_col};
use crate::scheme::{Level, SchemeParams};
use crate::text::{Lang, Text};

static EMBEDDED: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../catalog");

/// Largest catalog file the loader reads.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// One thing wrong with the catalog data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, relative to the catalog directory.
    pub file: String,
    /// The key, written as in TOML (`requirements[3].title`).
    pub key: String,
    pub at: Option<LineCol>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some(at) => write!(f, "{}:{}: {}: {}", self.file, at, self.key, self.message),
            None => write!(f, "{}: {}: {}", self.file, self.key, self.message),
        }
    }
}

/// The catalog data could not be used; every problem found is listed.
#[derive(Debug, thiserror::Error)]
pub struct LoadError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the criteria catalog has {} problem(s):", self.problems.len())?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// Everything in the catalog directory, validated.
#[derive(Debug, Clone)]
pub struct CatalogSet {
    pub scheme: SchemeParams,
    pub catalogs: Vec<Catalog>,
    pub crosswalks: Vec<Crosswalk>,
    /// Where the data came from: `embedded` or a directory.
    pub origin: String,
}

/// Problems of one file, with its source for locating keys.
struct FileCtx<'a> {
    name: &'a str,
    index: TomlIndex<'a>,
}

impl FileCtx<'_> {
    fn problem(&self, path: &Path, message: impl Into<String>) -> Problem {
        Problem {
            file: self.name.to_string(),
            key: path.to_string(),
            at: self.index.locate(path),
            message: message.into(),
        }
    }
}

impl CatalogSet {
    /// The data shipped inside the binary.
    pub fn embedded() -> Result<CatalogSet, LoadError> {
        let mut files = Vec::new();
        collect_embedded(&EMBEDDED, &mut files);
        CatalogSet::from_files("embedded", files)
    }

    /// Loads a catalog directory laid out like the repository's `catalog/`.
    pub fn from_dir(dir: &FsPath) -> Result<CatalogSet, LoadError> {
        CatalogSet::from_files(&dir.display().to_string(), read_dir_files(dir)?)
    }

    /// Loads from in-memory files named by their path relative to the
    /// catalog directory (`scheme.toml`, `catalogs/x.toml`, `crosswalks/y.toml`).
    pub fn from_files(origin: &str, mut files: Vec<(String, Vec<u8>)>) -> Result<CatalogSet, LoadError> {
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut problems = Vec::new();
        let mut scheme = None;
        let mut catalogs = Vec::new();
        let mut crosswalks = Vec::new();
        let mut texts: BTreeMap<String, String> = BTreeMap::new();

        for (name, bytes) in &files {
            let file_problem =
                |message: String| Problem { file: name.clone(), key: "(file)".into(), at: None, message };
            if !name.ends_with(".toml") {
                if !name.ends_with(".md") {
                    problems.push(file_problem(
                        "unexpected file in the catalog directory; only .toml data (and .md notes) belong here".into(),
                    ));
                }
                continue;
            }
            if bytes.len() > MAX_FILE_BYTES {
                problems.push(file_problem(format!("file is {} bytes; the limit is {MAX_FILE_BYTES}", bytes.len())));
                continue;
            }
            let text = match std::str::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    let at = line_col(&String::from_utf8_lossy(bytes), e.valid_up_to());
                    problems.push(Problem {
                        file: name.clone(),
                        key: "(file)".into(),
                        at: Some(at),
                        message: format!("not valid UTF-8 at byte {}; save the file as UTF-8", e.valid_up_to()),
                    });
                    continue;
                }
            };
            texts.insert(name.clone(), text.to_string());
            if name == "scheme.toml" {
                scheme = parse_toml::<SchemeParams>(name, text).map_err(|p| problems.push(p)).ok();
            } else if name.starts_with("catalogs/") {
                if let Ok(c) = parse_toml::<Catalog>(name, text).map_err(|p| problems.push(p)) {
                    catalogs.push((name.clone(), c));
                }
            } else if name.starts_with("crosswalks/") {
                if let Ok(c) = parse_toml::<Crosswalk>(name, text).map_err(|p| problems.push(p)) {
                    crosswalks.push((name.clone(), c));
                }
            } else {
                problems.push(file_problem(
                    "unexpected TOML file; expected scheme.toml, catalogs/*.toml or crosswalks/*.toml".into(),
                ));
            }
        }

        let Some(scheme) = scheme else {
            if !texts.contains_key("scheme.toml") {
                problems.push(Problem {
                    file: "scheme.toml".into(),
                    key: "(file)".into(),
                    at: None,
                    message: "missing: the scheme parameters file is required".into(),
                });
            }
            return Err(LoadError { problems });
        };

        // A catalog that did not parse would make every crosswalk to it look
        // broken; report the parse error alone until it is fixed.
        let all_catalogs_parsed = !problems.iter().any(|p| p.file.starts_with("catalogs/"));
        let ctx = |name: &str| -> Option<FileCtx<'_>> {
            texts.get_key_value(name).map(|(n, t)| FileCtx { name: n, index: TomlIndex::new(t) })
        };
        if let Some(cx) = ctx("scheme.toml") {
            validate_scheme(&cx, &scheme, &mut problems);
        }
        for (name, c) in &catalogs {
            if let Some(cx) = ctx(name) {
                validate_catalog(&cx, c, &scheme, &mut problems);
            }
        }
        if all_catalogs_parsed {
            validate_across(&catalogs, &ctx, &mut problems);
            for (name, x) in &crosswalks {
                if let Some(cx) = ctx(name) {
                    validate_crosswalk(&cx, x, &catalogs, &mut problems);
                }
            }
        }

        if !problems.is_empty() {
            return Err(LoadError { problems });
        }
        Ok(CatalogSet {
            scheme,
            catalogs: catalogs.into_iter().map(|(_, c)| c).collect(),
            crosswalks: crosswalks.into_iter().map(|(_, x)| x).collect(),
            origin: origin.to_string(),
        })
    }

    /// A catalog by id and exact version.
    pub fn catalog(&self, id: &str, version: &str) -> Option<&Catalog> {
        self.catalogs.iter().find(|c| c.id() == id && c.version() == version)
    }

    /// Every version of a catalog id, in file order.
    pub fn versions(&self, id: &str) -> impl Iterator<Item = &Catalog> {
        self.catalogs.iter().filter(move |c| c.id() == id)
    }

    /// The `current` version of a catalog id.
    pub fn current(&self, id: &str) -> Option<&Catalog> {
        self.versions(id).find(|c| c.catalog.state == CatalogState::Current)
    }

    /// The current catalog of JC-STAR criteria for a level.
    pub fn current_for_level(&self, level: Level) -> Option<&Catalog> {
        self.catalogs.iter().find(|c| c.catalog.level == Some(level) && c.catalog.state == CatalogState::Current)
    }

    /// The crosswalk between two catalog versions.
    pub fn crosswalk(&self, from: &Catalog, to: &Catalog) -> Option<&Crosswalk> {
        self.crosswalks.iter().find(|x| {
            x.crosswalk.from.catalog == from.id()
                && x.crosswalk.from.version == from.version()
                && x.crosswalk.to.catalog == to.id()
                && x.crosswalk.to.version == to.version()
        })
    }

    /// Resolves a name given on the command line: a catalog id (`star-1`,
    /// `uk-psti`), optionally with a version after `@` (`star-1@1.1`).
    pub fn resolve(&self, name: &str) -> Option<&Catalog> {
        match name.split_once('@') {
            Some((id, v)) => self.catalog(id, v),
            None => self.current(name).or_else(|| self.versions(name).last()),
        }
    }
}

/// The files of a catalog directory (`scheme.toml`, `catalogs/*`,
/// `crosswalks/*`), named relative to it, for [`CatalogSet::from_files`].
pub fn read_dir_files(dir: &FsPath) -> Result<Vec<(String, Vec<u8>)>, LoadError> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for sub in ["", "catalogs", "crosswalks"] {
        let d = dir.join(sub);
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if sub.is_empty() || e.kind() != std::io::ErrorKind::NotFound => {
                problems.push(Problem {
                    file: d.display().to_string(),
                    key: "(directory)".into(),
                    at: None,
                    message: format!("cannot read the directory: {e}"),
                });
                continue;
            }
            Err(_) => continue,
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if !p.is_file() {
                continue;
            }
            let rel = if sub.is_empty() {
                entry.file_name().to_string_lossy().into_owned()
            } else {
                format!("{sub}/{}", entry.file_name().to_string_lossy())
            };
            match read_limited(&p) {
                Ok(bytes) => files.push((rel, bytes)),
                Err(message) => problems.push(Problem { file: rel, key: "(file)".into(), at: None, message }),
            }
        }
    }
    if problems.is_empty() { Ok(files) } else { Err(LoadError { problems }) }
}

fn collect_embedded(dir: &Dir<'_>, out: &mut Vec<(String, Vec<u8>)>) {
    for f in dir.files() {
        out.push((f.path().to_string_lossy().replace('\\', "/"), f.contents().to_vec()));
    }
    for d in dir.dirs() {
        collect_embedded(d, out);
    }
}

fn read_limited(p: &FsPath) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let f = std::fs::File::open(p).map_err(|e| format!("cannot open: {e}"))?;
    let mut buf = Vec::new();
    f.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut buf).map_err(|e| format!("cannot read: {e}"))?;
    if buf.len() > MAX_FILE_BYTES {
        return Err(format!("file is larger than the limit of {MAX_FILE_BYTES} bytes"));
    }
    Ok(buf)
}

/// Deserializes a TOML file, reporting the failing key and its line.
fn parse_toml<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, Problem> {
    let de = toml::Deserializer::parse(text).map_err(|e| Problem {
        file: name.to_string(),
        key: "(syntax)".into(),
        at: e.span().map(|s| line_col(text, s.start)),
        message: e.message().to_string(),
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = Path::from_serde(e.path());
        let inner = e.into_inner();
        let at = inner.span().map(|s| line_col(text, s.start)).or_else(|| TomlIndex::new(text).locate(&path));
        Problem { file: name.to_string(), key: path.to_string(), at, message: inner.message().to_string() }
    })
}

/// Checks that a text has every required language.
fn check_text(cx: &FileCtx<'_>, path: &Path, t: &Text, langs: &[Lang], out: &mut Vec<Problem>) {
    for &l in langs {
        if t.exact(l).is_none() {
            out.push(cx.problem(
                path,
                format!(
                    "missing {} text; add `{} = \"...\"` (this file declares languages {:?})",
                    l.name(),
                    l.code(),
                    codes(langs)
                ),
            ));
        }
    }
}

fn codes(langs: &[Lang]) -> Vec<&'static str> {
    langs.iter().map(|l| l.code()).collect()
}

fn check_unique<'a>(
    cx: &FileCtx<'_>,
    what: &str,
    items: impl Iterator<Item = (Path, &'a str)>,
    out: &mut Vec<Problem>,
) {
    let mut seen = HashSet::new();
    for (path, id) in items {
        if id.trim().is_empty() {
            out.push(cx.problem(&path, format!("{what} id is empty")));
        } else if !seen.insert(id) {
            out.push(cx.problem(&path, format!("duplicate {what} id `{id}`; ids must be unique")));
        }
    }
}

fn validate_scheme(cx: &FileCtx<'_>, s: &SchemeParams, out: &mut Vec<Problem>) {
    let both = &Lang::ALL[..];
    let root = Path::root();
    check_text(cx, &root.key("scheme").key("name"), &s.scheme.name, both, out);
    for l in Level::ALL {
        if s.level(l).is_none() {
            out.push(cx.problem(&root.key("levels"), format!("level {} is not defined", l.id())));
        }
    }
    let mut seen = HashSet::new();
    for (i, l) in s.levels.iter().enumerate() {
        let p = root.key("levels").index(i);
        if !seen.insert(l.id) {
            out.push(cx.problem(&p.key("id"), format!("level {} is defined twice", l.id.id())));
        }
        check_text(cx, &p.key("name"), &l.name, both, out);
        check_text(cx, &p.key("application"), &l.application, both, out);
        if !(1..=120).contains(&l.validity_max_months) {
            out.push(cx.problem(&p.key("validity_max_months"), "must be between 1 and 120 months"));
        }
        if l.evaluators.is_empty() {
            out.push(cx.problem(&p.key("evaluators"), "no evaluator category may evaluate this level"));
        }
        for (j, e) in l.evaluators.iter().enumerate() {
            if s.evaluator_category(e).is_none() {
                out.push(cx.problem(&p.key("evaluators").index(j), format!("unknown evaluator category `{e}`")));
            }
        }
    }
    check_unique(
        cx,
        "evaluator category",
        s.evaluator_categories
            .iter()
            .enumerate()
            .map(|(i, c)| (root.key("evaluator_categories").index(i).key("id"), c.id.as_str())),
        out,
    );
    for (i, c) in s.evaluator_categories.iter().enumerate() {
        let p = root.key("evaluator_categories").index(i);
        check_text(cx, &p.key("name"), &c.name, both, out);
        check_text(cx, &p.key("description"), &c.description, both, out);
    }
    check_unique(
        cx,
        "product category",
        s.product_categories
            .iter()
            .enumerate()
            .map(|(i, c)| (root.key("product_categories").index(i).key("id"), c.id.as_str())),
        out,
    );
    for (i, c) in s.product_categories.iter().enumerate() {
        check_text(cx, &root.key("product_categories").index(i).key("name"), &c.name, both, out);
    }
    check_unique(
        cx,
        "revocation ground",
        s.revocation_grounds
            .iter()
            .enumerate()
            .map(|(i, c)| (root.key("revocation_grounds").index(i).key("id"), c.id.as_str())),
        out,
    );
    for (i, g) in s.revocation_grounds.iter().enumerate() {
        check_text(cx, &root.key("revocation_grounds").index(i).key("name"), &g.name, both, out);
    }
    check_unique(
        cx,
        "procurement rule",
        s.procurement.iter().enumerate().map(|(i, c)| (root.key("procurement").index(i).key("id"), c.id.as_str())),
        out,
    );
    for (i, r) in s.procurement.iter().enumerate() {
        check_text(cx, &root.key("procurement").index(i).key("name"), &r.name, both, out);
    }
}

fn validate_catalog(cx: &FileCtx<'_>, c: &Catalog, scheme: &SchemeParams, out: &mut Vec<Problem>) {
    let h = &c.catalog;
    let root = Path::root();
    let hp = root.key("catalog");
    let langs = &h.languages[..];
    if langs.is_empty() {
        out.push(cx.problem(&hp.key("languages"), "declare at least one language"));
    }
    if h.id.trim().is_empty() || h.id.contains(char::is_whitespace) || h.id.contains('@') {
        out.push(cx.problem(&hp.key("id"), "catalog id must be a non-empty word without spaces or `@`"));
    }
    if h.version.trim().is_empty() || h.version.contains(char::is_whitespace) {
        out.push(cx.problem(&hp.key("version"), "version must be non-empty and without spaces"));
    }
    check_text(cx, &hp.key("title"), &h.title, langs, out);
    check_text(cx, &hp.key("issuer"), &h.issuer, langs, out);
    check_text(cx, &hp.key("basis"), &h.basis, &[Lang::En], out);
    if let Some(n) = &h.note {
        check_text(cx, &hp.key("note"), n, langs, out);
    }
    match (h.state, h.grace_end) {
        (CatalogState::Superseded, None) => out.push(cx.problem(
            &hp.key("state"),
            "a superseded version needs `grace_end`, the last day it is accepted for new applications",
        )),
        (CatalogState::Current, Some(_)) => {
            out.push(cx.problem(&hp.key("grace_end"), "only a superseded version has a grace period end"))
        }
        _ => {}
    }
    if let (Some(p), Some(g)) = (h.published, h.grace_end)
        && g < p
    {
        out.push(
            cx.problem(&hp.key("grace_end"), format!("grace period ends ({g}) before the version was published ({p})")),
        );
    }
    if let Some(cat) = &h.category
        && scheme.product_category(cat).is_none()
    {
        out.push(cx.problem(&hp.key("category"), format!("product category `{cat}` is not defined in scheme.toml")));
    }
    if let Some(level) = h.level
        && scheme.level(level).is_none()
    {
        out.push(cx.problem(&hp.key("level"), format!("level {} is not defined in scheme.toml", level.id())));
    }
    if c.requirements.is_empty() {
        out.push(cx.problem(&root.key("requirements"), "a catalog needs at least one requirement"));
    }
    let source_ids: HashSet<&str> = c.sources.iter().map(|s| s.id.as_str()).collect();
    check_unique(
        cx,
        "source",
        c.sources.iter().enumerate().map(|(i, s)| (root.key("sources").index(i).key("id"), s.id.as_str())),
        out,
    );
    for (n, t) in &c.conditions {
        check_text(cx, &root.key("conditions").key(n.clone()), t, langs, out);
    }
    check_unique(
        cx,
        "requirement",
        c.requirements.iter().enumerate().map(|(i, r)| (root.key("requirements").index(i).key("id"), r.id.as_str())),
        out,
    );
    for (i, r) in c.requirements.iter().enumerate() {
        let p = root.key("requirements").index(i);
        check_text(cx, &p.key("title"), &r.title, langs, out);
        for (key, t) in [
            ("summary", &r.summary),
            ("category", &r.category),
            ("guidance", &r.guidance),
            ("applies_when", &r.applies_when),
            ("note", &r.note),
        ] {
            if let Some(t) = t {
                check_text(cx, &p.key(key), t, langs, out);
            }
        }
        for (j, item) in r.evaluation_items.iter().enumerate() {
            check_text(cx, &p.key("evaluation_items").index(j).key("text"), &item.text, langs, out);
        }
        check_unique(
            cx,
            "evaluation item",
            r.evaluation_items
                .iter()
                .enumerate()
                .map(|(j, e)| (p.key("evaluation_items").index(j).key("id"), e.id.as_str())),
            out,
        );
        for (j, cond) in r.conditions.iter().enumerate() {
            if !c.conditions.contains_key(cond) {
                out.push(cx.problem(
                    &p.key("conditions").index(j),
                    format!("condition `{cond}` is not defined in [conditions]"),
                ));
            }
        }
        for (j, s) in r.sources.iter().enumerate() {
            if !source_ids.contains(s.as_str()) {
                out.push(cx.problem(&p.key("sources").index(j), format!("source `{s}` is not listed in [[sources]]")));
            }
        }
        if r.methods.is_empty() && matches!(r.methods_basis, Some(MethodsBasis::Stated | MethodsBasis::Inferred)) {
            out.push(cx.problem(
                &p.key("methods"),
                "methods are empty but methods_basis says they are known; list them or set methods_basis = \"unknown\"",
            ));
        }
        if !r.methods.is_empty() && r.methods_basis.is_none() {
            out.push(
                cx.problem(&p.key("methods_basis"), "say where the methods come from: stated, inferred or unknown"),
            );
        }
        if let (Some(lv), Some(max)) = (r.level, h.levels) {
            if lv == 0 || lv > max {
                out.push(cx.problem(&p.key("level"), format!("level {lv} is outside 1..={max}")));
            }
        } else if r.level.is_some() {
            out.push(cx.problem(&p.key("level"), "this catalog declares no levels (`catalog.levels`)"));
        }
    }
}

type CtxFn<'t> = dyn Fn(&str) -> Option<FileCtx<'t>> + 't;

fn validate_across<'t>(catalogs: &[(String, Catalog)], ctx: &CtxFn<'t>, out: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    let mut current: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, c) in catalogs {
        let Some(cx) = ctx(name) else { continue };
        let hp = Path::root().key("catalog");
        if !seen.insert((c.id(), c.version())) {
            out.push(cx.problem(
                &hp.key("version"),
                format!("catalog {} version {} is defined in more than one file", c.id(), c.version()),
            ));
        }
        if c.catalog.state == CatalogState::Current
            && let Some(other) = current.insert(c.id(), name)
        {
            out.push(cx.problem(
                &hp.key("state"),
                format!("catalog {} already has a current version (in {other}); mark the older one superseded", c.id()),
            ));
        }
        for (i, r) in c.requirements.iter().enumerate() {
            for (j, rf) in r.refs.iter().enumerate() {
                let target = catalogs
                    .iter()
                    .map(|(_, c)| c)
                    .filter(|t| t.id() == rf.catalog)
                    .find(|t| t.catalog.state == CatalogState::Current);
                let p = Path::root().key("requirements").index(i).key("refs").index(j);
                match target {
                    None => out.push(cx.problem(&p.key("catalog"), format!("no current catalog `{}`", rf.catalog))),
                    Some(t) if t.requirement(&rf.id).is_none() => out.push(cx.problem(
                        &p.key("id"),
                        format!("`{}` is not a requirement of {} {}", rf.id, t.id(), t.version()),
                    )),
                    Some(_) => {}
                }
            }
        }
    }
}

fn validate_crosswalk(cx: &FileCtx<'_>, x: &Crosswalk, catalogs: &[(String, Catalog)], out: &mut Vec<Problem>) {
    let hp = Path::root().key("crosswalk");
    check_text(cx, &hp.key("note"), &x.crosswalk.note, &[Lang::En], out);
    let find = |r: &crate::catalog::VersionRef| {
        catalogs.iter().map(|(_, c)| c).find(|c| c.id() == r.catalog && c.version() == r.version)
    };
    let from = find(&x.crosswalk.from);
    let to = find(&x.crosswalk.to);
    if from.is_none() {
        out.push(cx.problem(&hp.key("from"), format!("no catalog {}", x.crosswalk.from)));
    }
    if to.is_none() {
        out.push(cx.problem(&hp.key("to"), format!("no catalog {}", x.crosswalk.to)));
    }
    let mut pairs = BTreeSet::new();
    let mut froms = HashSet::new();
    for (i, l) in x.links.iter().enumerate() {
        let p = Path::root().key("links").index(i);
        if !froms.insert(l.from.as_str()) {
            out.push(cx.problem(&p.key("from"), format!("`{}` has more than one [[links]] entry; merge them", l.from)));
        }
        if let Some(f) = from
            && f.requirement(&l.from).is_none()
        {
            out.push(
                cx.problem(&p.key("from"), format!("`{}` is not a requirement of {} {}", l.from, f.id(), f.version())),
            );
        }
        if l.to.is_empty() {
            out.push(cx.problem(&p.key("to"), "a link must name at least one target requirement"));
        }
        for (j, t) in l.to.iter().enumerate() {
            if let Some(tc) = to
                && tc.requirement(t).is_none()
            {
                out.push(cx.problem(
                    &p.key("to").index(j),
                    format!("`{t}` is not a requirement of {} {}", tc.id(), tc.version()),
                ));
            }
            if !pairs.insert((l.from.as_str(), t.as_str())) {
                out.push(cx.problem(&p.key("to").index(j), format!("link {} -> {t} is listed twice", l.from)));
            }
        }
    }
}
