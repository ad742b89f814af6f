//! Reading a checklist from TOML or JSON bytes.

use std::fmt;

use starmark_criteria::locate::{LineCol, Path, TomlIndex, line_col};

use crate::model::Checklist;

/// Largest checklist accepted, in bytes. A complete STAR-1 checklist with
/// generous remarks is a few tens of kilobytes.
pub const MAX_BYTES: usize = 1024 * 1024;

/// Longest text accepted in any one field, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Toml,
    Json,
}

impl Encoding {
    /// From a file name's extension, if it says.
    pub fn from_file_name(name: &str) -> Option<Encoding> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(Encoding::Json)
        } else if lower.ends_with(".toml") {
            Some(Encoding::Toml)
        } else {
            None
        }
    }

    fn sniff(text: &str) -> Encoding {
        match text.trim_start().chars().next() {
            Some('{') => Encoding::Json,
            _ => Encoding::Toml,
        }
    }
}

/// A parsed checklist with its source, so problems can be located in it.
#[derive(Debug, Clone)]
pub struct Document {
    pub checklist: Checklist,
    pub encoding: Encoding,
    text: String,
}

impl Document {
    /// Where `path` is in the source: a line for TOML; JSON problems are
    /// located by their JSON pointer alone.
    pub fn locate(&self, path: &Path) -> Option<LineCol> {
        match self.encoding {
            Encoding::Toml => TomlIndex::new(&self.text).locate(path),
            Encoding::Json => None,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

/// Why a checklist could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    /// The failing key, where known.
    pub path: Option<Path>,
    pub at: Option<LineCol>,
    pub message: String,
    pub help: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    TooLarge,
    NotUtf8,
    Syntax,
    /// Well-formed, but a field is unknown or of the wrong type.
    Shape,
}

impl ParseErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            ParseErrorKind::TooLarge => "too-large",
            ParseErrorKind::NotUtf8 => "not-utf8",
            ParseErrorKind::Syntax => "syntax",
            ParseErrorKind::Shape => "shape",
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(at) = self.at {
            write!(f, "{at}: ")?;
        }
        if let Some(p) = &self.path
            && !p.is_root()
        {
            write!(f, "{p} ({}): ", p.pointer())?;
        }
        write!(f, "{}", self.message)
    }
}

/// Parses a checklist. `hint` is the encoding named by the file's
/// extension; without one, a document starting with `{` is JSON.
pub fn parse(bytes: &[u8], hint: Option<Encoding>) -> Result<Document, ParseError> {
    if bytes.len() > MAX_BYTES {
        return Err(ParseError {
            kind: ParseErrorKind::TooLarge,
            path: None,
            at: None,
            message: format!("the checklist is {} bytes; the limit is {MAX_BYTES} bytes", bytes.len()),
            help: "a checklist holds answers and references to evidence, not the evidence itself; keep files out of it"
                .into(),
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let lossy = String::from_utf8_lossy(bytes);
        ParseError {
            kind: ParseErrorKind::NotUtf8,
            path: None,
            at: Some(line_col(&lossy, e.valid_up_to())),
            message: format!("the checklist is not valid UTF-8 (bad byte at offset {})", e.valid_up_to()),
            help: "save the file as UTF-8 (not Shift_JIS or UTF-16)".into(),
        }
    })?;
    let encoding = hint.unwrap_or_else(|| Encoding::sniff(text));
    let checklist = match encoding {
        Encoding::Toml => parse_toml(text)?,
        Encoding::Json => parse_json(text)?,
    };
    Ok(Document { checklist, encoding, text: text.to_string() })
}

fn shape_help(message: &str) -> String {
    if message.contains("unknown field") {
        "remove the field or fix its spelling; `starmark checklist schema` prints every allowed field".into()
    } else if message.contains("unknown variant") {
        "use one of the values the message lists".into()
    } else {
        "fix the value's type; docs/checklist.md describes every field".into()
    }
}

fn parse_toml(text: &str) -> Result<Checklist, ParseError> {
    let de = toml::Deserializer::parse(text).map_err(|e| ParseError {
        kind: ParseErrorKind::Syntax,
        path: None,
        at: e.span().map(|s| line_col(text, s.start)),
        message: format!("TOML syntax: {}", e.message().trim()),
        help: "fix the TOML syntax at that line".into(),
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = Path::from_serde(e.path());
        let inner = e.into_inner();
        let message = inner.message().trim().to_string();
        ParseError {
            kind: ParseErrorKind::Shape,
            at: inner.span().map(|s| line_col(text, s.start)).or_else(|| TomlIndex::new(text).locate(&path)),
            help: shape_help(&message),
            path: Some(path),
            message,
        }
    })
}

fn parse_json(text: &str) -> Result<Checklist, ParseError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let result: Result<Checklist, _> = serde_path_to_error::deserialize(&mut de);
    let checklist = result.map_err(|e| {
        let path = Path::from_serde(e.path());
        let inner = e.into_inner();
        let kind = match inner.classify() {
            serde_json::error::Category::Data => ParseErrorKind::Shape,
            _ => ParseErrorKind::Syntax,
        };
        let at = (inner.line() > 0).then(|| LineCol { line: inner.line(), column: inner.column() });
        // serde_json appends " at line L column C"; the location is reported separately.
        let full = inner.to_string();
        let message = full.split(" at line ").next().unwrap_or(&full).to_string();
        ParseError {
            kind,
            help: if kind == ParseErrorKind::Syntax {
                "fix the JSON syntax at that position".into()
            } else {
                shape_help(&message)
            },
            path: (kind == ParseErrorKind::Shape).then_some(path),
            at,
            message: if kind == ParseErrorKind::Syntax { format!("JSON syntax: {message}") } else { message },
        }
    })?;
    de.end().map_err(|e| ParseError {
        kind: ParseErrorKind::Syntax,
        path: None,
        at: Some(LineCol { line: e.line(), column: e.column() }),
        message: "JSON syntax: trailing characters after the document".into(),
        help: "a checklist file holds exactly one JSON object".into(),
    })?;
    Ok(checklist)
}
