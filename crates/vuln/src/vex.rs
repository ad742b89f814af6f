//! VEX: the vendor's statements on whether a known vulnerability affects
//! the product, read from CycloneDX (a VEX document, or `vulnerabilities`
//! inside the SBOM) and from CSAF 2.0 `csaf_vex` documents.
//!
//! A statement names vulnerabilities (ID and aliases) and products (a
//! CycloneDX `bom-ref`, or a package URL) and gives one [`VexStatus`].
//! `not_affected` and `fixed` take a finding out of the verdict — shown,
//! with the justification, never hidden; `under_investigation` keeps it
//! open; `affected` confirms it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A VEX document larger than this is refused.
pub const MAX_VEX_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    NotAffected,
    Fixed,
    UnderInvestigation,
    Affected,
}

impl VexStatus {
    pub fn id(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
            VexStatus::Affected => "affected",
        }
    }
}

/// Which product a statement is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Product {
    /// A CycloneDX `bom-ref`: from a BOM-Link, or plain in the SBOM's own
    /// statements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The SBOM a BOM-Link names (`urn:uuid:…`): it must be this SBOM's
    /// `serialNumber`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// A CSAF product ID, shown in reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// The VEX file.
    pub source: String,
    /// Where in it (`vulnerabilities[0]`, `vulnerabilities[1].product_status.known_not_affected`).
    pub location: String,
    /// The vulnerability's ID and every alias the statement gives.
    pub ids: Vec<String>,
    pub products: Vec<Product>,
    pub status: VexStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// From the SBOM's own `vulnerabilities`, where a plain `bom-ref` is
    /// unambiguous.
    pub embedded: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct VexDocument {
    pub source: String,
    pub sha256: String,
    /// `cyclonedx` or `csaf`.
    pub format: &'static str,
    pub statements: Vec<Statement>,
    /// Entries that are not statements (a CycloneDX vulnerability without
    /// `analysis`), and why.
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum VexError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: {size} bytes is more than the {MAX_VEX_BYTES} a VEX document may have")]
    TooLarge { path: String, size: u64 },
    #[error("{path}: not JSON ({source})")]
    Syntax { path: String, source: serde_json::Error },
    #[error(
        "{path}: neither CycloneDX VEX (\"bomFormat\": \"CycloneDX\") nor CSAF 2.0 VEX (\"document\".\"category\": \"csaf_vex\")"
    )]
    Unknown { path: String },
    #[error("{path}: {field} is {found:?}; {expected}")]
    Version { path: String, field: &'static str, found: String, expected: &'static str },
    #[error("{path}: at {location}: {message}")]
    Shape { path: String, location: String, message: String },
}

pub fn load(path: &Path) -> Result<VexDocument, VexError> {
    let shown = path.display().to_string();
    let io = |source| VexError::Io { path: shown.clone(), source };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_VEX_BYTES {
        return Err(VexError::TooLarge { path: shown, size });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    parse(&shown, &bytes)
}

pub fn parse(source: &str, bytes: &[u8]) -> Result<VexDocument, VexError> {
    let path = source.to_string();
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| VexError::Syntax { path: path.clone(), source: e })?;
    let sha256 = crate::hex(&Sha256::digest(bytes));
    if value.get("bomFormat").and_then(|v| v.as_str()) == Some("CycloneDX") {
        let spec = value.get("specVersion").and_then(|v| v.as_str()).unwrap_or("(missing)");
        if !matches!(spec, "1.4" | "1.5" | "1.6") {
            return Err(VexError::Version {
                path,
                field: "specVersion",
                found: spec.into(),
                expected: "CycloneDX VEX is read from 1.4, 1.5 and 1.6",
            });
        }
        let vulns = value.get("vulnerabilities").cloned().unwrap_or(serde_json::Value::Array(Vec::new()));
        let (statements, warnings) = cyclonedx(&path, vulns, false)?;
        return Ok(VexDocument { source: path, sha256, format: "cyclonedx", statements, warnings });
    }
    if let Some(document) = value.get("document") {
        let category = document.get("category").and_then(|v| v.as_str()).unwrap_or("(missing)");
        if category != "csaf_vex" {
            return Err(VexError::Version {
                path,
                field: "document.category",
                found: category.into(),
                expected: "a CSAF VEX document has category \"csaf_vex\"",
            });
        }
        let version = document.get("csaf_version").and_then(|v| v.as_str()).unwrap_or("(missing)");
        if version != "2.0" {
            return Err(VexError::Version {
                path,
                field: "document.csaf_version",
                found: version.into(),
                expected: "CSAF 2.0 is supported",
            });
        }
        let (statements, warnings) = csaf(&path, value)?;
        return Ok(VexDocument { source: path, sha256, format: "csaf", statements, warnings });
    }
    Err(VexError::Unknown { path })
}

/// The statements of an SBOM's own `vulnerabilities` (embedded VEX).
pub fn embedded(source: &str, sha256: &str, vulnerabilities: serde_json::Value) -> Result<VexDocument, VexError> {
    let (statements, warnings) = cyclonedx(source, vulnerabilities, true)?;
    Ok(VexDocument { source: source.into(), sha256: sha256.into(), format: "cyclonedx", statements, warnings })
}

fn shape<T: serde::de::DeserializeOwned>(path: &str, prefix: &str, value: serde_json::Value) -> Result<T, VexError> {
    serde_path_to_error::deserialize(value).map_err(|e| VexError::Shape {
        path: path.to_string(),
        location: format!("{prefix}{}", e.path()),
        message: e.inner().to_string(),
    })
}

#[derive(Deserialize)]
struct CdxVulnerability {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    references: Vec<CdxReference>,
    #[serde(default)]
    analysis: Option<CdxAnalysis>,
    #[serde(default)]
    affects: Vec<CdxAffects>,
}

#[derive(Deserialize)]
struct CdxReference {
    id: String,
}

#[derive(Deserialize)]
struct CdxAnalysis {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

#[derive(Deserialize)]
struct CdxAffects {
    #[serde(rename = "ref")]
    reference: String,
}

/// A CycloneDX `affects[].ref`: a BOM-Link
/// (`urn:cdx:<serial>/<version>#<bom-ref>`), a package URL, or a plain
/// `bom-ref`.
fn product_of(reference: &str) -> Product {
    let none = Product { reference: None, serial: None, purl: None, product_id: None };
    if let Some(link) = reference.strip_prefix("urn:cdx:") {
        let (bom, r) = link.split_once('#').unwrap_or((link, ""));
        let serial = bom.split('/').next().filter(|s| !s.is_empty()).map(|s| format!("urn:uuid:{s}"));
        let purl = r.starts_with("pkg:").then(|| r.to_string());
        return Product { reference: Some(r.to_string()).filter(|r| !r.is_empty()), serial, purl, ..none };
    }
    if reference.starts_with("pkg:") {
        return Product { purl: Some(reference.to_string()), ..none };
    }
    Product { reference: Some(reference.to_string()), ..none }
}

fn cyclonedx(path: &str, vulns: serde_json::Value, embedded: bool) -> Result<(Vec<Statement>, Vec<String>), VexError> {
    let vulns: Vec<CdxVulnerability> = shape(path, "vulnerabilities", vulns)?;
    let mut statements = Vec::new();
    let mut warnings = Vec::new();
    for (i, v) in vulns.into_iter().enumerate() {
        let location = format!("vulnerabilities[{i}]");
        let Some(id) = v.id.filter(|s| !s.is_empty()) else {
            warnings.push(format!("{location}: no id; not a statement"));
            continue;
        };
        let Some(state) = v.analysis.as_ref().and_then(|a| a.state.clone()) else {
            warnings.push(format!(
                "{location} ({id}): no analysis.state, so it states nothing about being affected; not used"
            ));
            continue;
        };
        let status = match state.as_str() {
            "not_affected" | "false_positive" => VexStatus::NotAffected,
            "resolved" | "resolved_with_pedigree" => VexStatus::Fixed,
            "in_triage" => VexStatus::UnderInvestigation,
            "exploitable" => VexStatus::Affected,
            other => {
                warnings.push(format!(
                    "{location} ({id}): analysis.state {other:?} is not a CycloneDX state (resolved, resolved_with_pedigree, exploitable, in_triage, false_positive, not_affected); not used"
                ));
                continue;
            }
        };
        if v.affects.is_empty() {
            warnings.push(format!("{location} ({id}): no affects; it names no product, so it is not used"));
            continue;
        }
        let products: Vec<Product> = v.affects.iter().map(|a| product_of(&a.reference)).collect();
        if !embedded {
            for p in products.iter().filter(|p| p.serial.is_none() && p.purl.is_none()) {
                warnings.push(format!(
                    "{location} ({id}): affects {:?} is a plain bom-ref, which a separate VEX document cannot tie to an SBOM; it is not used — name the component by a BOM-Link (urn:cdx:<serial>/<version>#<bom-ref>) or a package URL",
                    p.reference.as_deref().unwrap_or("")
                ));
            }
        }
        let mut ids = vec![id];
        ids.extend(v.references.into_iter().map(|r| r.id));
        let analysis = v.analysis;
        statements.push(Statement {
            source: path.to_string(),
            location,
            ids,
            products,
            status,
            justification: analysis
                .as_ref()
                .and_then(|a| a.justification.clone())
                .or_else(|| (state == "false_positive").then(|| "false_positive".to_string())),
            detail: analysis.and_then(|a| a.detail),
            embedded,
        });
    }
    Ok((statements, warnings))
}

#[derive(Deserialize, Default)]
struct CsafDocument {
    #[serde(default)]
    product_tree: CsafProductTree,
    #[serde(default)]
    vulnerabilities: Vec<CsafVulnerability>,
}

#[derive(Deserialize, Default)]
struct CsafProductTree {
    #[serde(default)]
    branches: Vec<CsafBranch>,
    #[serde(default)]
    full_product_names: Vec<CsafProduct>,
    #[serde(default)]
    relationships: Vec<CsafRelationship>,
}

#[derive(Deserialize)]
struct CsafBranch {
    #[serde(default)]
    branches: Vec<CsafBranch>,
    #[serde(default)]
    product: Option<CsafProduct>,
}

#[derive(Deserialize)]
struct CsafProduct {
    product_id: String,
    #[serde(default)]
    product_identification_helper: Option<CsafHelper>,
}

#[derive(Deserialize)]
struct CsafHelper {
    #[serde(default)]
    purl: Option<String>,
}

#[derive(Deserialize)]
struct CsafRelationship {
    full_product_name: CsafProduct,
    product_reference: String,
}

#[derive(Deserialize)]
struct CsafVulnerability {
    #[serde(default)]
    cve: Option<String>,
    #[serde(default)]
    ids: Vec<CsafId>,
    #[serde(default)]
    product_status: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    flags: Vec<CsafFlag>,
    #[serde(default)]
    threats: Vec<CsafThreat>,
    #[serde(default)]
    remediations: Vec<CsafRemediation>,
}

#[derive(Deserialize)]
struct CsafRemediation {
    details: String,
    #[serde(default)]
    product_ids: Vec<String>,
}

#[derive(Deserialize)]
struct CsafId {
    text: String,
}

#[derive(Deserialize)]
struct CsafFlag {
    label: String,
    #[serde(default)]
    product_ids: Vec<String>,
}

#[derive(Deserialize)]
struct CsafThreat {
    category: String,
    details: String,
    #[serde(default)]
    product_ids: Vec<String>,
}

fn csaf(path: &str, value: serde_json::Value) -> Result<(Vec<Statement>, Vec<String>), VexError> {
    let doc: CsafDocument = shape(path, "", value)?;
    // Product ID → package URL, from branches, full names and relationships.
    let mut purls: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut stack: Vec<&CsafBranch> = doc.product_tree.branches.iter().collect();
    let mut products: Vec<&CsafProduct> = doc.product_tree.full_product_names.iter().collect();
    while let Some(b) = stack.pop() {
        stack.extend(&b.branches);
        products.extend(&b.product);
    }
    for p in products {
        purls.insert(p.product_id.clone(), p.product_identification_helper.as_ref().and_then(|h| h.purl.clone()));
    }
    // "X as a component of Y": the statement is about X's package.
    for r in &doc.product_tree.relationships {
        let own = r.full_product_name.product_identification_helper.as_ref().and_then(|h| h.purl.clone());
        let purl = own.or_else(|| purls.get(&r.product_reference).cloned().flatten());
        purls.insert(r.full_product_name.product_id.clone(), purl);
    }
    let mut statements = Vec::new();
    let mut warnings = Vec::new();
    for (i, v) in doc.vulnerabilities.into_iter().enumerate() {
        let mut ids: Vec<String> = v.cve.into_iter().collect();
        ids.extend(v.ids.into_iter().map(|x| x.text));
        if ids.is_empty() {
            warnings.push(format!("vulnerabilities[{i}]: neither cve nor ids; not used"));
            continue;
        }
        for (group, list) in v.product_status.iter().flatten() {
            let status = match group.as_str() {
                "known_not_affected" => VexStatus::NotAffected,
                "fixed" | "first_fixed" => VexStatus::Fixed,
                "under_investigation" => VexStatus::UnderInvestigation,
                "known_affected" | "first_affected" | "last_affected" => VexStatus::Affected,
                _ => continue, // recommended: no statement on being affected
            };
            for product_id in list {
                let location = format!("vulnerabilities[{i}].product_status.{group}");
                let purl = match purls.get(product_id) {
                    Some(p) => p.clone(),
                    None => {
                        warnings
                            .push(format!("{location}: product {product_id:?} is not in the product_tree; not used"));
                        continue;
                    }
                };
                let justification =
                    v.flags.iter().find(|f| f.product_ids.contains(product_id)).map(|f| f.label.clone());
                let detail = v
                    .threats
                    .iter()
                    .find(|t| t.category == "impact" && t.product_ids.contains(product_id))
                    .map(|t| t.details.clone())
                    .or_else(|| {
                        v.remediations.iter().find(|r| r.product_ids.contains(product_id)).map(|r| r.details.clone())
                    });
                statements.push(Statement {
                    source: path.to_string(),
                    location,
                    ids: ids.clone(),
                    products: vec![Product {
                        reference: None,
                        serial: None,
                        purl,
                        product_id: Some(product_id.clone()),
                    }],
                    status,
                    justification,
                    detail,
                    embedded: false,
                });
            }
        }
    }
    Ok((statements, warnings))
}

/// Package URLs equal for VEX: type, namespace, name, and version when the
/// statement gives one (qualifiers and subpath aside).
pub fn purl_matches(statement: &str, component: &str) -> bool {
    let (Ok(s), Ok(c)) =
        (statement.parse::<packageurl::PackageUrl<'_>>(), component.parse::<packageurl::PackageUrl<'_>>())
    else {
        return statement == component;
    };
    s.ty().eq_ignore_ascii_case(c.ty())
        && s.namespace() == c.namespace()
        && s.name() == c.name()
        && (s.version().is_none() || s.version() == c.version())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_compare_without_qualifiers() {
        assert!(purl_matches("pkg:pypi/django@1.0", "pkg:pypi/django@1.0?extra=1"));
        assert!(purl_matches("pkg:pypi/django", "pkg:pypi/django@1.0"));
        assert!(!purl_matches("pkg:pypi/django@1.1", "pkg:pypi/django@1.0"));
        assert!(!purl_matches("pkg:npm/django@1.0", "pkg:pypi/django@1.0"));
    }
}
