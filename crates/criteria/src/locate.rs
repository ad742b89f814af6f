//! Paths into a document, and finding where a path sits in TOML source.
//!
//! Problems found after parsing (a duplicate ID, a missing answer) name the
//! offending value by its [`Path`]. For a TOML source the path is resolved
//! back to a line and column so a person can jump to it; for JSON the path
//! itself, written as a JSON pointer (RFC 6901), is the location.

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// One step of a [`Path`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path from a document's root to a value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(pub Vec<Seg>);

impl Path {
    pub fn root() -> Path {
        Path(Vec::new())
    }

    pub fn key(&self, k: impl Into<String>) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.into()));
        p
    }

    pub fn index(&self, i: usize) -> Path {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The path as a JSON pointer (RFC 6901): `/items/3/verdict`.
    pub fn pointer(&self) -> String {
        let mut s = String::new();
        for seg in &self.0 {
            s.push('/');
            match seg {
                Seg::Key(k) => s.push_str(&k.replace('~', "~0").replace('/', "~1")),
                Seg::Index(i) => s.push_str(&i.to_string()),
            }
        }
        s
    }

    /// Converts the path reported by `serde_path_to_error`.
    pub fn from_serde(p: &serde_path_to_error::Path) -> Path {
        use serde_path_to_error::Segment;
        Path(
            p.iter()
                .filter_map(|seg| match seg {
                    Segment::Seq { index } => Some(Seg::Index(*index)),
                    Segment::Map { key } => Some(Seg::Key(key.clone())),
                    Segment::Enum { .. } | Segment::Unknown => None,
                })
                .collect(),
        )
    }
}

/// Written the way a person would type it in TOML: `items[3].verdict`.
impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(document)");
        }
        for (n, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if n == 0 => f.write_str(k)?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The line and column of byte `offset` in `src` (columns count characters).
pub fn line_col(src: &str, offset: usize) -> LineCol {
    let offset = offset.min(src.len());
    let before = src.get(..offset).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    LineCol { line, column }
}

/// A parsed TOML source that can answer "where is this path?".
pub struct TomlIndex<'s> {
    src: &'s str,
    root: Option<DeValue<'s>>,
}

impl fmt::Debug for TomlIndex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TomlIndex").field("parsed", &self.root.is_some()).finish()
    }
}

impl<'s> TomlIndex<'s> {
    pub fn new(src: &'s str) -> TomlIndex<'s> {
        let root = DeTable::parse(src).ok().map(|t| DeValue::Table(t.into_inner()));
        TomlIndex { src, root }
    }

    /// Where `path` is written, or where its nearest written ancestor is
    /// (a missing key is reported at the table that should hold it).
    pub fn span(&self, path: &Path) -> Option<Range<usize>> {
        let mut cur = self.root.as_ref()?;
        let mut best = None;
        for seg in &path.0 {
            let next = match seg {
                Seg::Key(k) => cur.get(k.as_str()),
                Seg::Index(i) => cur.get(*i),
            };
            match next {
                Some(v) => {
                    best = Some(v.span());
                    cur = v.get_ref();
                }
                None => break,
            }
        }
        best
    }

    pub fn locate(&self, path: &Path) -> Option<LineCol> {
        self.span(path).map(|s| line_col(self.src, s.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_and_display() {
        let p = Path::root().key("items").index(3).key("a/b~c");
        assert_eq!(p.pointer(), "/items/3/a~1b~0c");
        assert_eq!(p.to_string(), "items[3].a/b~c");
    }

    #[test]
    fn locates_keys_array_tables_and_missing_leaves() {
        let src = "a = 1\n[b]\nc = \"x\"\n\n[[items]]\nid = \"one\"\n\n[[items]]\nid = \"two\"\n";
        let ix = TomlIndex::new(src);
        let at = |p: Path| ix.locate(&p).map(|l| l.line);
        assert_eq!(at(Path::root().key("a")), Some(1));
        assert_eq!(at(Path::root().key("b").key("c")), Some(3));
        assert_eq!(at(Path::root().key("items").index(1).key("id")), Some(9));
        // A missing key is reported at the nearest ancestor that exists.
        assert!(at(Path::root().key("items").index(1).key("verdict")).is_some());
        assert_eq!(at(Path::root().key("nope")), None);
        assert_eq!(line_col("ab\ncd", 4), LineCol { line: 2, column: 2 });
    }
}
