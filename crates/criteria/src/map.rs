//! Coverage of another scheme's requirements by a catalog, from crosswalks.

use serde::Serialize;

use crate::catalog::{Basis, Catalog, VersionRef};
use crate::load::CatalogSet;
use crate::text::Text;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    #[error("no catalog named `{0}`; `starmark criteria list` shows the catalogs")]
    UnknownCatalog(String),
    #[error("{target} has levels 1 to {max}; `{asked}` asks for level {level}")]
    NoSuchLevel { target: String, asked: String, level: u8, max: u8 },
    #[error("there is no crosswalk from {from} to {to}")]
    NoCrosswalk { from: VersionRef, to: VersionRef },
}

/// How far the `from` catalog covers the `to` catalog.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub from: VersionRef,
    pub to: VersionRef,
    /// For levelled schemes: the level asked for (requirements up to it count).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    pub note: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub official_statement: Option<Text>,
    pub targets: Vec<TargetCoverage>,
    /// `from` requirements that cover nothing in `to`.
    pub unmapped_from: Vec<String>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetCoverage {
    pub id: String,
    pub title: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The strongest basis among `covered_by`; absent for a gap.
    pub basis: Option<Basis>,
    pub covered_by: Vec<CoverageLink>,
}

impl TargetCoverage {
    pub fn is_gap(&self) -> bool {
        self.covered_by.is_empty()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CoverageLink {
    pub from: String,
    pub basis: Basis,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub targets: usize,
    pub covered: usize,
    pub gaps: usize,
    pub official: usize,
    pub inferred: usize,
    pub hypothesis: usize,
}

impl CatalogSet {
    /// Which requirements of `to` the catalog `from` covers. `to` may name a
    /// level of a levelled scheme with a suffix: `sg-cls-2` means Singapore
    /// CLS requirements introduced at levels 1 and 2.
    pub fn map(&self, from: &str, to: &str) -> Result<Coverage, MapError> {
        let from_c = self.resolve(from).ok_or_else(|| MapError::UnknownCatalog(from.to_string()))?;
        let (to_c, level) = self.resolve_levelled(to)?;
        let x = self
            .crosswalk(from_c, to_c)
            .ok_or_else(|| MapError::NoCrosswalk { from: version_ref(from_c), to: version_ref(to_c) })?;
        let in_scope = |lv: Option<u8>| match (level, lv) {
            (Some(max), Some(lv)) => lv <= max,
            _ => true,
        };
        let mut targets = Vec::new();
        for r in to_c.requirements.iter().filter(|r| in_scope(r.level)) {
            let covered_by: Vec<CoverageLink> = x
                .links
                .iter()
                .filter(|l| l.to.contains(&r.id))
                .map(|l| CoverageLink { from: l.from.clone(), basis: l.basis, note: l.note.clone() })
                .collect();
            targets.push(TargetCoverage {
                id: r.id.clone(),
                title: r.title.clone(),
                status: r.status(),
                basis: covered_by.iter().map(|l| l.basis).max(),
                covered_by,
            });
        }
        let unmapped_from = from_c
            .requirements
            .iter()
            .filter(|r| !targets.iter().any(|t| t.covered_by.iter().any(|l| l.from == r.id)))
            .map(|r| r.id.clone())
            .collect();
        let count = |b: Basis| targets.iter().filter(|t| t.basis == Some(b)).count();
        let summary = Summary {
            targets: targets.len(),
            covered: targets.iter().filter(|t| !t.is_gap()).count(),
            gaps: targets.iter().filter(|t| t.is_gap()).count(),
            official: count(Basis::Official),
            inferred: count(Basis::Inferred),
            hypothesis: count(Basis::Hypothesis),
        };
        Ok(Coverage {
            from: version_ref(from_c),
            to: version_ref(to_c),
            level,
            note: x.crosswalk.note.clone(),
            official_statement: x.crosswalk.official_statement.clone(),
            targets,
            unmapped_from,
            summary,
        })
    }

    fn resolve_levelled(&self, name: &str) -> Result<(&Catalog, Option<u8>), MapError> {
        if let Some(c) = self.resolve(name) {
            return Ok((c, None));
        }
        if let Some((base, n)) = name.rsplit_once('-')
            && let (Some(c), Ok(level)) = (self.resolve(base), n.parse::<u8>())
        {
            let max = c.catalog.levels.unwrap_or(0);
            if level == 0 || level > max {
                return Err(MapError::NoSuchLevel { target: c.id().to_string(), asked: name.to_string(), level, max });
            }
            return Ok((c, Some(level)));
        }
        Err(MapError::UnknownCatalog(name.to_string()))
    }
}

fn version_ref(c: &Catalog) -> VersionRef {
    VersionRef { catalog: c.id().to_string(), version: c.version().to_string() }
}
