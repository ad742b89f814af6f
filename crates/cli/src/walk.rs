//! `starmark checklist walk`: the document-review criteria one by one, in
//! Japanese or English, with what each needs as evidence; every answer is
//! saved into the checklist file at once, so the walk stops at any time
//! (`q`, or the end of input) and picks up at the first unanswered
//! criterion when run again.
//!
//! Prompts are plain lines on standard error and answers plain lines on
//! standard input (no terminal tricks), so the walk works the same in a
//! terminal, over SSH and with answers piped in. A TOML checklist is edited
//! in place with `toml_edit`, keeping the template's comments and the
//! vendor's layout; a JSON one is rewritten whole.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use starmark_checklist::{Applicability, Encoding, Evidence, Item, MethodUsed, Verdict};
use starmark_criteria::{CatalogSet, Lang, Method, Requirement};

/// How often one question may be answered wrongly before the walk stops
/// (saving what was answered).
const TRIES: usize = 5;

struct Texts {
    resume: &'static str,
    done: &'static str,
    applies: &'static str,
    justification: &'static str,
    verdict: &'static str,
    evidence: &'static str,
    remarks: &'static str,
    saved: &'static str,
    stopped: &'static str,
    again: &'static str,
    too_many: &'static str,
    requirement: &'static str,
    applies_when: &'static str,
    keep: &'static str,
    no_file: &'static str,
    outside: &'static str,
    too_long: &'static str,
    forbidden: &'static str,
    empty: &'static str,
    not_utf8: &'static str,
}

const JA: Texts = Texts {
    resume: "文書確認の要件 {total} 件のうち {answered} 件は回答済みです。未回答の要件から始めます。",
    done: "文書確認の要件はすべて回答済みです。",
    applies: "この要件は製品に適用されますか? [y] はい / [n] 対象外 / [s] 後で / [q] 中断",
    justification: "対象外とする理由:",
    verdict: "判定は? [c] 適合 / [d] 不適合 / [i] 判定不能",
    evidence: "根拠資料のファイル（チェックリストのフォルダからの相対パス。1 行に 1 つ、空行で終了）:",
    remarks: "備考（なければ空行）:",
    saved: "保存しました",
    stopped: "中断しました。回答は保存済みです。もう一度実行すると続きから始めます。",
    again: "もう一度入力してください",
    too_many: "同じ質問に正しく答えられなかったため中断します。回答は保存済みです。",
    requirement: "要件",
    applies_when: "適用条件",
    keep: "保管する根拠",
    no_file: "ファイルがありません",
    outside: "チェックリストのフォルダの中の相対パスを指定してください",
    too_long: "長すぎます",
    forbidden: "制御文字や双方向制御文字は使えません",
    empty: "空にはできません",
    not_utf8: "UTF-8 の文字列として読めません",
};

const EN: Texts = Texts {
    resume: "{answered} of the {total} document-review criteria are answered; starting at the first unanswered one.",
    done: "Every document-review criterion is answered.",
    applies: "Does this criterion apply to the product? [y]es / [n]ot applicable / [s]kip for now / [q]uit",
    justification: "Why it does not apply:",
    verdict: "Verdict? [c]onforms / [d]oes not conform / [i]nconclusive",
    evidence: "Evidence files (relative to the checklist's folder; one per line, an empty line to finish):",
    remarks: "Remarks (an empty line for none):",
    saved: "saved",
    stopped: "Stopped. Your answers are saved; run the walk again to continue where you left off.",
    again: "please answer again",
    too_many: "Stopping: the same question was not answered in a form that can be used. Your answers are saved.",
    requirement: "Requirement",
    applies_when: "Applies when",
    keep: "Evidence to keep",
    no_file: "no such file",
    outside: "give a relative path inside the checklist's folder",
    too_long: "too long",
    forbidden: "control and bidirectional-override characters cannot be used",
    empty: "cannot be empty",
    not_utf8: "not UTF-8 text",
};

/// How the walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// Every document-review criterion has an answer.
    Complete,
    /// Stopped (asked to, end of input, or too many unusable answers);
    /// what was answered is saved.
    Stopped,
}

/// The language for prompts: `--lang`, else Japanese if `LANG` says so.
pub(crate) fn default_lang() -> Lang {
    match std::env::var("LANG") {
        Ok(l) if l.starts_with("ja") => Lang::Ja,
        _ => Lang::En,
    }
}

/// Whether the vendor has answered `item`.
fn answered(item: &Item) -> bool {
    match item.applicability {
        Some(Applicability::NotApplicable) => item.justification.as_deref().is_some_and(|j| !j.trim().is_empty()),
        _ => item.verdict.is_some(),
    }
}

/// The criteria the walk asks about: those reviewed from documents (any
/// criterion the catalog does not say is device-check only).
fn document_review(r: &Requirement) -> bool {
    r.methods.is_empty() || r.methods.contains(&Method::Document)
}

struct Walker<'a, R: BufRead, W: Write> {
    input: R,
    out: W,
    t: &'static Texts,
    base: &'a Path,
}

enum Answer<T> {
    Value(T),
    Stop,
}

impl<R: BufRead, W: Write> Walker<'_, R, W> {
    /// One line of input, without its line break; `None` at the end of
    /// input. A line that is too long or not UTF-8 is an unusable answer.
    fn line(&mut self) -> Result<Option<Result<String, String>>> {
        let limit = u64::try_from(starmark_checklist::MAX_TEXT_CHARS * 4 + 2).unwrap_or(u64::MAX);
        let mut bytes = Vec::new();
        let n = std::io::Read::take(&mut self.input, limit).read_until(b'\n', &mut bytes).context("standard input")?;
        if n == 0 {
            return Ok(None);
        }
        if u64::try_from(n).unwrap_or(u64::MAX) >= limit && !bytes.ends_with(b"\n") {
            // The rest of an over-long line is skipped, not taken as the
            // next answer.
            let mut rest = Vec::new();
            loop {
                rest.clear();
                let k = std::io::Read::take(&mut self.input, 65_536).read_until(b'\n', &mut rest)?;
                if k == 0 || rest.ends_with(b"\n") {
                    break;
                }
            }
            return Ok(Some(Err(format!("{} (> {} characters)", self.t.too_long, starmark_checklist::MAX_TEXT_CHARS))));
        }
        Ok(Some(match String::from_utf8(bytes) {
            Ok(s) => Ok(s.trim_end_matches(['\n', '\r']).to_string()),
            Err(_) => Err(self.t.not_utf8.to_string()),
        }))
    }

    fn say(&mut self, text: &str) -> Result<()> {
        writeln!(self.out, "{text}").context("standard error")
    }

    /// Asks until `parse` accepts the answer; `Stop` at the end of input or
    /// after too many unusable answers.
    fn ask<T>(&mut self, prompt: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Answer<T>> {
        for _ in 0..TRIES {
            write!(self.out, "{prompt} ").context("standard error")?;
            self.out.flush().ok();
            let Some(line) = self.line()? else {
                self.say("")?;
                return Ok(Answer::Stop);
            };
            let parsed = match line {
                // `q` stops at any question.
                Ok(l) if matches!(l.trim(), "q" | "quit") => return Ok(Answer::Stop),
                Ok(l) => parse(l.trim()),
                Err(why) => Err(why),
            };
            match parsed {
                Ok(v) => return Ok(Answer::Value(v)),
                Err(why) => self.say(&format!("  {why}; {}", self.t.again))?,
            }
        }
        self.say(self.t.too_many)?;
        Ok(Answer::Stop)
    }

    /// Free text: checked as the format check would.
    fn text(&mut self, prompt: &str, required: bool) -> Result<Answer<Option<String>>> {
        let t = self.t;
        self.ask(prompt, |s| {
            if s.is_empty() {
                return if required { Err(t.empty.to_string()) } else { Ok(None) };
            }
            if s.chars().count() > starmark_checklist::MAX_TEXT_CHARS {
                return Err(format!("{} ({} > {})", t.too_long, s.chars().count(), starmark_checklist::MAX_TEXT_CHARS));
            }
            if s.chars().any(starmark_checklist::forbidden_char) {
                return Err(t.forbidden.to_string());
            }
            Ok(Some(s.to_string()))
        })
    }

    /// Evidence files until an empty line: each must be a file inside the
    /// checklist's folder; its SHA-256 is taken now.
    fn evidence(&mut self) -> Result<Answer<Vec<Evidence>>> {
        self.say(self.t.evidence)?;
        let mut out: Vec<Evidence> = Vec::new();
        loop {
            let (t, base) = (self.t, self.base);
            let a = self.ask("  >", |s| {
                if s.is_empty() {
                    return Ok(None);
                }
                let rel = Path::new(s);
                if !rel.components().all(|c| matches!(c, std::path::Component::Normal(_))) {
                    return Err(format!("{s}: {}", t.outside));
                }
                let bytes = std::fs::read(base.join(rel)).map_err(|_| format!("{s}: {}", t.no_file))?;
                Ok(Some(Evidence {
                    path: Some(s.replace('\\', "/")),
                    sha256: Some(starmark_evidence::sha256_hex(&bytes)),
                    finding: None,
                    description: None,
                }))
            })?;
            match a {
                Answer::Stop => return Ok(Answer::Stop),
                Answer::Value(None) => return Ok(Answer::Value(out)),
                Answer::Value(Some(e)) => {
                    self.say(&format!("    SHA-256 {}", e.sha256.as_deref().unwrap_or("")))?;
                    if !out.iter().any(|x| x.path == e.path) {
                        out.push(e);
                    }
                }
            }
        }
    }

    /// Asks about one criterion; `None` if the walk stops, else the item as
    /// answered (unchanged if skipped).
    fn criterion(&mut self, n: usize, total: usize, r: &Requirement, item: &Item, lang: Lang) -> Result<Option<Item>> {
        let t = self.t;
        self.say(&format!("\n[{n}/{total}] {}  {}", r.id, r.title.get(lang)))?;
        if let Some(s) = &r.summary {
            self.say(&format!("  {}: {}", t.requirement, s.get(lang)))?;
        }
        if let Some(w) = &r.applies_when {
            self.say(&format!("  {}: {}", t.applies_when, w.get(lang)))?;
        }
        if let Some(g) = &r.guidance {
            self.say(&format!("  {}: {}", t.keep, g.get(lang)))?;
        }
        let mut item = item.clone();
        let applies = self.ask(t.applies, |s| match s.to_ascii_lowercase().as_str() {
            "y" | "yes" | "はい" => Ok('y'),
            "n" | "no" | "いいえ" => Ok('n'),
            "s" | "skip" => Ok('s'),
            "q" | "quit" => Ok('q'),
            _ => Err(format!("{s:?}: y / n / s / q")),
        })?;
        match applies {
            Answer::Stop | Answer::Value('q') => return Ok(None),
            Answer::Value('s') => return Ok(Some(item)),
            Answer::Value('n') => {
                let Answer::Value(Some(why)) = self.text(t.justification, true)? else { return Ok(None) };
                item.applicability = Some(Applicability::NotApplicable);
                item.justification = Some(why);
                item.verdict = None;
                return Ok(Some(item));
            }
            Answer::Value(_) => {}
        }
        let verdict = self.ask(t.verdict, |s| match s.to_ascii_lowercase().as_str() {
            "c" | "conforms" => Ok(Verdict::Conforms),
            "d" | "does_not_conform" => Ok(Verdict::DoesNotConform),
            "i" | "inconclusive" => Ok(Verdict::Inconclusive),
            _ => Err(format!("{s:?}: c / d / i")),
        })?;
        let Answer::Value(verdict) = verdict else { return Ok(None) };
        let Answer::Value(evidence) = self.evidence()? else { return Ok(None) };
        let Answer::Value(remarks) = self.text(t.remarks, false)? else { return Ok(None) };
        item.applicability = Some(Applicability::Applicable);
        item.justification = None;
        item.verdict = Some(verdict);
        if !item.method.contains(&MethodUsed::Document) {
            item.method.push(MethodUsed::Document);
            item.method.sort();
        }
        for e in evidence {
            item.evidence.retain(|x| x.path != e.path);
            item.evidence.push(e);
        }
        if remarks.is_some() {
            item.remarks = remarks;
        }
        Ok(Some(item))
    }
}

/// Walks the checklist at `path`, saving after every answer.
pub(crate) fn walk(
    path: &Path,
    catalogs: &CatalogSet,
    lang: Lang,
    input: impl BufRead,
    out: impl Write,
) -> Result<Ended> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot be read", path.display()))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let doc = starmark_checklist::parse(&bytes, Encoding::from_file_name(&name))
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut checklist = doc.checklist;
    let c = &checklist.criteria;
    let Some(catalog) = catalogs.catalog(&c.catalog, &c.version) else {
        bail!(
            "{}: criteria {:?} version {:?} is not a catalog this starmark knows; `starmark criteria list` shows them",
            path.display(),
            c.catalog,
            c.version
        );
    };
    let base: PathBuf = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let t = if lang == Lang::Ja { &JA } else { &EN };
    let mut w = Walker { input, out, t, base: &base };
    let asked: Vec<&Requirement> = catalog.requirements.iter().filter(|r| document_review(r)).collect();
    let is_answered =
        |cl: &starmark_checklist::Checklist, id: &str| cl.items.iter().find(|i| i.id == id).is_some_and(answered);
    let done = asked.iter().filter(|r| is_answered(&checklist, &r.id)).count();
    if done == asked.len() {
        w.say(t.done)?;
        return Ok(Ended::Complete);
    }
    w.say(&t.resume.replace("{answered}", &done.to_string()).replace("{total}", &asked.len().to_string()))?;
    let mut source = String::from_utf8(bytes).context("the checklist is not UTF-8")?;
    for (n, r) in asked.iter().enumerate() {
        if is_answered(&checklist, &r.id) {
            continue;
        }
        let item = checklist
            .items
            .iter()
            .find(|i| i.id == r.id)
            .cloned()
            .unwrap_or_else(|| Item { id: r.id.clone(), ..Item::default() });
        let Some(answer) = w.criterion(n + 1, asked.len(), r, &item, lang)? else {
            w.say(t.stopped)?;
            return Ok(Ended::Stopped);
        };
        if answer == item {
            continue;
        }
        source = save(path, doc.encoding, &source, &mut checklist, answer)?;
        w.say(&format!("  {} ({})", t.saved, path.display()))?;
    }
    let left = asked.iter().filter(|r| !is_answered(&checklist, &r.id)).count();
    if left == 0 {
        w.say(t.done)?;
        Ok(Ended::Complete)
    } else {
        w.say(t.stopped)?;
        Ok(Ended::Stopped)
    }
}

/// Puts `item` into the checklist and the file, atomically; returns the new
/// file text. The result is parsed again before it replaces the file.
fn save(
    path: &Path,
    encoding: Encoding,
    source: &str,
    checklist: &mut starmark_checklist::Checklist,
    item: Item,
) -> Result<String> {
    match checklist.items.iter_mut().find(|i| i.id == item.id) {
        Some(i) => *i = item.clone(),
        None => checklist.items.push(item.clone()),
    }
    let text = match encoding {
        Encoding::Json => serde_json::to_string_pretty(&checklist)? + "\n",
        Encoding::Toml => edit_toml(source, &item)?,
    };
    let reread = starmark_checklist::parse(text.as_bytes(), Some(encoding))
        .map_err(|e| anyhow::anyhow!("the answer could not be saved ({e}); the file is unchanged"))?;
    if reread.checklist != *checklist {
        bail!("the answer could not be saved exactly; the file is unchanged");
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp =
        tempfile::NamedTempFile::new_in(dir).with_context(|| format!("{}: cannot write here", dir.display()))?;
    // The file keeps its permissions (a temporary file starts private).
    if let Ok(m) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(m.permissions())?;
    }
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).with_context(|| format!("{}: cannot be replaced", path.display()))?;
    Ok(text)
}

/// A unit enum's name as serde writes it (`not_applicable`).
fn enum_str<T: serde::Serialize>(v: &T) -> Option<String> {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from))
}

/// Sets `item`'s answer in the `[[items]]` table with its ID, keeping
/// everything else in the file as it was.
fn edit_toml(source: &str, item: &Item) -> Result<String> {
    use toml_edit::{Array, DocumentMut, InlineTable, Item as TItem, Table, value};
    let mut doc: DocumentMut = source.parse().context("the checklist's TOML")?;
    let items = doc
        .entry("items")
        .or_insert_with(|| TItem::ArrayOfTables(toml_edit::ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .context("`items` is not an array of tables")?;
    let pos = items.iter().position(|t| t.get("id").and_then(|v| v.as_str()) == Some(item.id.as_str()));
    let table: &mut Table = match pos {
        Some(p) => items.get_mut(p).context("the item's table")?,
        None => {
            let mut t = Table::new();
            t.insert("id", value(item.id.clone()));
            items.push(t);
            let last = items.len() - 1;
            items.get_mut(last).context("the item's table")?
        }
    };
    let mut set = |key: &str, v: Option<TItem>| match v {
        Some(v) => {
            table.insert(key, v);
        }
        None => {
            table.remove(key);
        }
    };
    set("applicability", item.applicability.as_ref().and_then(enum_str).map(value));
    set("justification", item.justification.clone().map(value));
    set("verdict", item.verdict.as_ref().and_then(enum_str).map(value));
    let mut methods = Array::new();
    for m in &item.method {
        if let Some(s) = enum_str(m) {
            methods.push(s);
        }
    }
    set("method", (!item.method.is_empty()).then(|| value(methods)));
    let mut evidence = Array::new();
    for e in &item.evidence {
        let mut t = InlineTable::new();
        for (k, v) in
            [("path", &e.path), ("sha256", &e.sha256), ("finding", &e.finding), ("description", &e.description)]
        {
            if let Some(v) = v {
                t.insert(k, v.as_str().into());
            }
        }
        evidence.push(t);
    }
    evidence.set_trailing_comma(false);
    set("evidence", Some(value(evidence)));
    set("remarks", item.remarks.clone().map(value));
    Ok(doc.to_string())
}
