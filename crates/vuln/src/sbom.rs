//! SBOM input: CycloneDX JSON 1.4–1.6 and SPDX 2.3 JSON, read into one
//! list of components and one dependency graph.
//!
//! A document of another format or version is refused with the field that
//! says so; a document that does not parse names the line and column (JSON
//! syntax) or the path of the field (`components[3].name`). Problems that
//! do not stop the reading (a dependency on a reference that is not in the
//! document, a duplicate `bom-ref`) become [`Warning`]s, counted in the
//! report.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// An SBOM larger than this is refused (the largest real SBOMs of whole
/// container images are tens of megabytes).
pub const MAX_SBOM_BYTES: u64 = 256 * 1024 * 1024;

/// At most this many components are read.
pub const MAX_COMPONENTS: usize = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    CycloneDx,
    Spdx,
}

/// One component (CycloneDX) or package (SPDX).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// The `bom-ref` or `SPDXID`; the JSON location when the document gives none.
    pub key: String,
    /// CycloneDX `type` (`library`, `firmware`, `file`, …); `None` for SPDX.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    /// Where it is in the document (`components[2].components[0]`, `packages[5]`).
    pub location: String,
    /// The source package, where the SBOM names it apart from the package
    /// URL (Trivy's `aquasecurity:trivy:Src*` properties): name and version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<(String, Option<String>)>,
    /// How many software packages it is made of (CycloneDX nested
    /// components, SPDX `CONTAINS` of packages; files do not count): an
    /// assembly whose parts are listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub parts: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A problem that did not stop the reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub location: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Sbom {
    /// The path given.
    pub source: String,
    pub sha256: String,
    pub format: Format,
    /// `1.5`, `SPDX-2.3`.
    pub spec_version: String,
    /// What the SBOM describes (CycloneDX `metadata.component`, SPDX
    /// `DESCRIBES`): the product itself. When it has a package URL it is
    /// also the first of [`Sbom::components`], checked like them.
    pub subject: Vec<Component>,
    pub components: Vec<Component>,
    /// Direct dependencies by key (both the subject's and the components').
    pub dependencies: BTreeMap<String, Vec<String>>,
    /// CycloneDX `serialNumber` (`urn:uuid:…`): what a VEX document's
    /// BOM-Links (`urn:cdx:<serial>/<version>#<bom-ref>`) must name.
    pub serial: Option<String>,
    /// CycloneDX `vulnerabilities` carried in the SBOM itself (embedded VEX).
    pub embedded_vex: Option<crate::vex::VexDocument>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: {size} bytes is more than the {MAX_SBOM_BYTES} an SBOM may have")]
    TooLarge { path: String, size: u64 },
    #[error("{path}: not JSON ({source}); give a CycloneDX or SPDX JSON document")]
    Syntax { path: String, source: serde_json::Error },
    #[error(
        "{path}: neither CycloneDX (no \"bomFormat\": \"CycloneDX\") nor SPDX (no \"spdxVersion\"); give a CycloneDX 1.4–1.6 or SPDX 2.3 JSON document"
    )]
    Unknown { path: String },
    #[error("{path}: {field} is {found:?}; supported are {supported}")]
    Version { path: String, field: &'static str, found: String, supported: &'static str },
    #[error("{path}: at {location}: {message}")]
    Shape { path: String, location: String, message: String },
    #[error("{path}: more than {MAX_COMPONENTS} components")]
    TooMany { path: String },
}

/// Reads an SBOM file (see the module docs).
pub fn load(path: &Path) -> Result<Sbom, SbomError> {
    let shown = path.display().to_string();
    let io = |source| SbomError::Io { path: shown.clone(), source };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_SBOM_BYTES {
        return Err(SbomError::TooLarge { path: shown, size });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    parse(&shown, &bytes)
}

/// Reads an SBOM from bytes; `source` names it in errors.
pub fn parse(source: &str, bytes: &[u8]) -> Result<Sbom, SbomError> {
    let path = source.to_string();
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| SbomError::Syntax { path: path.clone(), source: e })?;
    let sha256 = crate::hex(&Sha256::digest(bytes));
    let is_cdx = value.get("bomFormat").and_then(|v| v.as_str()) == Some("CycloneDX");
    if is_cdx {
        cyclonedx(path, sha256, value)
    } else if value.get("spdxVersion").is_some() {
        spdx(path, sha256, value)
    } else {
        Err(SbomError::Unknown { path })
    }
}

fn shape<T: serde::de::DeserializeOwned>(path: &str, value: serde_json::Value) -> Result<T, SbomError> {
    serde_path_to_error::deserialize(value).map_err(|e| SbomError::Shape {
        path: path.to_string(),
        location: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CdxBom {
    #[serde(default)]
    serial_number: Option<String>,
    #[serde(default)]
    metadata: Option<CdxMetadata>,
    #[serde(default)]
    components: Vec<CdxComponent>,
    #[serde(default)]
    dependencies: Vec<CdxDependency>,
}

#[derive(Deserialize)]
struct CdxMetadata {
    #[serde(default)]
    component: Option<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxComponent {
    #[serde(rename = "bom-ref", default)]
    bom_ref: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    group: Option<String>,
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    purl: Option<String>,
    #[serde(default)]
    cpe: Option<String>,
    #[serde(default)]
    properties: Vec<CdxProperty>,
    #[serde(default)]
    components: Vec<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxProperty {
    name: String,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CdxDependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default)]
    depends_on: Vec<String>,
}

/// CycloneDX component types advisories are not written against, and why.
/// An operating system is checked through its packages, which the SBOM
/// lists as components of their own.
pub fn immaterial_kind(kind: Option<&str>) -> Option<&'static str> {
    Some(match kind? {
        "file" => "a file; advisories name packages",
        "data" => "data, not software",
        "cryptographic-asset" => "a cryptographic asset, not software",
        "machine-learning-model" => "a machine-learning model, not software",
        "device" => "hardware; its firmware, if listed, is checked as a component",
        "operating-system" => "an operating system; its packages are checked as components",
        _ => return None,
    })
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

fn cdx_component(c: CdxComponent, location: String, parts: usize) -> Component {
    let name = match c.group.as_deref().filter(|g| !g.is_empty()) {
        Some(g) => format!("{g}/{}", c.name),
        None => c.name,
    };
    let property =
        |key: &str| c.properties.iter().find(|p| p.name == key).and_then(|p| p.value.clone()).filter(|v| !v.is_empty());
    // Trivy: the source package of a distribution package, its version in
    // parts (`[epoch:]version[-release]`).
    let source = property("aquasecurity:trivy:SrcName").map(|name| {
        let version = property("aquasecurity:trivy:SrcVersion").map(|v| {
            let mut full = match property("aquasecurity:trivy:SrcEpoch").filter(|e| e != "0") {
                Some(e) => format!("{e}:{v}"),
                None => v,
            };
            if let Some(r) = property("aquasecurity:trivy:SrcRelease") {
                full.push('-');
                full.push_str(&r);
            }
            full
        });
        (name, version)
    });
    Component {
        source,
        key: non_empty(c.bom_ref).unwrap_or_else(|| location.clone()),
        kind: c.kind,
        name,
        version: non_empty(c.version),
        purl: non_empty(c.purl),
        cpe: non_empty(c.cpe),
        location,
        parts,
    }
}

fn cyclonedx(path: String, sha256: String, mut value: serde_json::Value) -> Result<Sbom, SbomError> {
    let spec = value.get("specVersion").and_then(|v| v.as_str()).unwrap_or("(missing)").to_string();
    if !matches!(spec.as_str(), "1.4" | "1.5" | "1.6") {
        return Err(SbomError::Version {
            path,
            field: "specVersion",
            found: spec,
            supported: "CycloneDX 1.4, 1.5 and 1.6",
        });
    }
    let vulnerabilities = value
        .as_object_mut()
        .and_then(|o| o.remove("vulnerabilities"))
        .filter(|v| v.as_array().is_some_and(|a| !a.is_empty()));
    let bom: CdxBom = shape(&path, value)?;
    let mut warnings = Vec::new();
    let embedded_vex = match vulnerabilities.map(|v| crate::vex::embedded(&path, &sha256, v)) {
        None => None,
        Some(Ok(doc)) => Some(doc),
        Some(Err(e)) => {
            warnings.push(Warning {
                location: "vulnerabilities".into(),
                message: format!("the SBOM's own vulnerability statements cannot be read, so none is used: {e}"),
            });
            None
        }
    };
    // Depth first, in document order, the subject's own parts first;
    // nesting is bounded by serde_json's recursion limit, so this stack is too.
    let mut stack: Vec<(String, CdxComponent)> =
        bom.components.into_iter().enumerate().map(|(i, c)| (format!("components[{i}]"), c)).rev().collect();
    let subject: Vec<Component> = match bom.metadata.and_then(|m| m.component) {
        Some(mut c) => {
            let parts = std::mem::take(&mut c.components);
            let material = parts.iter().filter(|k| immaterial_kind(k.kind.as_deref()).is_none()).count();
            stack.extend(
                parts.into_iter().enumerate().map(|(i, k)| (format!("metadata.component.components[{i}]"), k)).rev(),
            );
            vec![cdx_component(c, "metadata.component".into(), material)]
        }
        None => Vec::new(),
    };
    let mut components = Vec::new();
    while let Some((location, mut c)) = stack.pop() {
        let children = std::mem::take(&mut c.components);
        let parts = children.iter().filter(|k| immaterial_kind(k.kind.as_deref()).is_none()).count();
        stack.extend(children.into_iter().enumerate().map(|(i, k)| (format!("{location}.components[{i}]"), k)).rev());
        components.push(cdx_component(c, location, parts));
        if components.len() > MAX_COMPONENTS {
            return Err(SbomError::TooMany { path });
        }
    }
    let mut dependencies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, d) in bom.dependencies.into_iter().enumerate() {
        if dependencies.contains_key(&d.reference) {
            warnings.push(Warning {
                location: format!("dependencies[{i}]"),
                message: format!("{:?} is listed twice; both lists are used", d.reference),
            });
        }
        dependencies.entry(d.reference).or_default().extend(d.depends_on);
    }
    check_references(&subject, &components, &dependencies, "dependencies", &mut warnings);
    check_subject(&subject, &mut components);
    Ok(Sbom {
        source: path,
        sha256,
        format: Format::CycloneDx,
        spec_version: spec,
        serial: bom.serial_number,
        subject,
        components,
        dependencies,
        embedded_vex,
        warnings,
    })
}

/// A subject with a package URL is a published package advisories can be
/// about: it is checked like the components (first).
fn check_subject(subject: &[Component], components: &mut Vec<Component>) {
    let named: Vec<Component> = subject.iter().filter(|c| c.purl.is_some()).cloned().collect();
    components.splice(0..0, named);
}

/// Duplicate keys and dependencies on keys the document does not have.
fn check_references(
    subject: &[Component],
    components: &[Component],
    dependencies: &BTreeMap<String, Vec<String>>,
    what: &str,
    warnings: &mut Vec<Warning>,
) {
    let mut keys = BTreeSet::new();
    for c in subject.iter().chain(components) {
        if !keys.insert(c.key.as_str()) {
            warnings.push(Warning {
                location: c.location.clone(),
                message: format!("the reference {:?} is used by more than one component", c.key),
            });
        }
    }
    let mut missing = BTreeSet::new();
    for (from, to) in dependencies {
        for k in std::iter::once(from).chain(to) {
            if !keys.contains(k.as_str()) {
                missing.insert(k.as_str());
            }
        }
    }
    for k in missing {
        warnings.push(Warning {
            location: what.to_string(),
            message: format!("{k:?} is named in the dependency graph but is not a component of the document"),
        });
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxDocument {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    #[serde(default)]
    document_describes: Vec<String>,
    #[serde(default)]
    packages: Vec<SpdxPackage>,
    #[serde(default)]
    relationships: Vec<SpdxRelationship>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    #[serde(default)]
    version_info: Option<String>,
    #[serde(default)]
    external_refs: Vec<SpdxExternalRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxExternalRef {
    reference_category: String,
    reference_type: String,
    reference_locator: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxRelationship {
    spdx_element_id: String,
    relationship_type: String,
    related_spdx_element: String,
}

fn spdx(path: String, sha256: String, value: serde_json::Value) -> Result<Sbom, SbomError> {
    let spec = value.get("spdxVersion").and_then(|v| v.as_str()).unwrap_or("(not a string)").to_string();
    if spec != "SPDX-2.3" {
        return Err(SbomError::Version { path, field: "spdxVersion", found: spec, supported: "SPDX-2.3" });
    }
    let doc: SpdxDocument = shape(&path, value)?;
    if doc.packages.len() > MAX_COMPONENTS {
        return Err(SbomError::TooMany { path });
    }
    let mut warnings = Vec::new();
    let mut described: BTreeSet<String> = doc.document_describes.into_iter().collect();
    let mut dependencies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let package_ids: BTreeSet<&str> = doc.packages.iter().map(|p| p.spdx_id.as_str()).collect();
    let mut parts: BTreeMap<String, usize> = BTreeMap::new();
    for r in &doc.relationships {
        // Only packages count as parts: files and snippets are not checked.
        match r.relationship_type.as_str() {
            "CONTAINS" if package_ids.contains(r.related_spdx_element.as_str()) => {
                *parts.entry(r.spdx_element_id.clone()).or_default() += 1;
            }
            "CONTAINED_BY" if package_ids.contains(r.spdx_element_id.as_str()) => {
                *parts.entry(r.related_spdx_element.clone()).or_default() += 1;
            }
            _ => {}
        }
        let (a, b) = (r.spdx_element_id.clone(), r.related_spdx_element.clone());
        match r.relationship_type.as_str() {
            "DESCRIBES" if r.spdx_element_id == doc.spdx_id => {
                described.insert(b);
            }
            "DESCRIBED_BY" if r.related_spdx_element == doc.spdx_id => {
                described.insert(a);
            }
            // A contains or depends on B: B is part of what A brings.
            "DEPENDS_ON" | "CONTAINS" | "STATIC_LINK" | "DYNAMIC_LINK" | "HAS_PREREQUISITE" => {
                dependencies.entry(a).or_default().push(b);
            }
            "DEPENDENCY_OF" | "CONTAINED_BY" | "PREREQUISITE_FOR" => {
                dependencies.entry(b).or_default().push(a);
            }
            _ => {}
        }
    }
    let mut subject = Vec::new();
    let mut components = Vec::new();
    for (i, p) in doc.packages.into_iter().enumerate() {
        let location = format!("packages[{i}]");
        let mut purl = None;
        let mut cpe = None;
        for (j, r) in p.external_refs.into_iter().enumerate() {
            // SPDX 2.3 spells the category with `-`; tools also write `_`.
            let category = r.reference_category.replace('_', "-");
            match (category.as_str(), r.reference_type.as_str()) {
                ("PACKAGE-MANAGER", "purl") => {
                    if purl.is_some() {
                        warnings.push(Warning {
                            location: format!("{location}.externalRefs[{j}]"),
                            message: "a second purl; the first is used".into(),
                        });
                    } else {
                        purl = non_empty(Some(r.reference_locator));
                    }
                }
                ("SECURITY", "cpe23Type" | "cpe22Type") if cpe.is_none() => cpe = non_empty(Some(r.reference_locator)),
                _ => {}
            }
        }
        // SPDX writes NOASSERTION where the version is not known.
        let version = non_empty(p.version_info).filter(|v| v != "NOASSERTION" && v != "NONE");
        let parts = parts.get(&p.spdx_id).copied().unwrap_or(0);
        let c =
            Component { key: p.spdx_id, kind: None, name: p.name, version, purl, cpe, location, source: None, parts };
        if described.contains(&c.key) { subject.push(c) } else { components.push(c) }
    }
    // Files and snippets may be related too; only packages are checked.
    let packages: BTreeSet<&str> = subject.iter().chain(&components).map(|c| c.key.as_str()).collect();
    dependencies.retain(|k, _| packages.contains(k.as_str()));
    for to in dependencies.values_mut() {
        to.retain(|k| packages.contains(k.as_str()));
    }
    check_references(&subject, &components, &dependencies, "relationships", &mut warnings);
    check_subject(&subject, &mut components);
    Ok(Sbom {
        source: path,
        sha256,
        format: Format::Spdx,
        spec_version: spec,
        serial: None,
        subject,
        components,
        dependencies,
        embedded_vex: None,
        warnings,
    })
}

impl Sbom {
    /// The shortest chain of dependencies from the subject (or any
    /// component nothing depends on) to `key`, both ends included; empty
    /// when the graph does not reach it.
    pub fn path_to(&self, key: &str) -> Vec<String> {
        let depended: BTreeSet<&str> = self.dependencies.values().flatten().map(String::as_str).collect();
        let mut roots: Vec<&str> = self.subject.iter().map(|c| c.key.as_str()).collect();
        if roots.is_empty() {
            roots = self.dependencies.keys().map(String::as_str).filter(|k| !depended.contains(k)).collect();
        }
        let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue: std::collections::VecDeque<&str> = roots.iter().copied().collect();
        let mut seen: BTreeSet<&str> = roots.iter().copied().collect();
        while let Some(at) = queue.pop_front() {
            if at == key {
                let mut path = vec![at.to_string()];
                let mut cur = at;
                while let Some(&p) = previous.get(cur) {
                    path.push(p.to_string());
                    cur = p;
                }
                path.reverse();
                return path;
            }
            for next in self.dependencies.get(at).into_iter().flatten() {
                if seen.insert(next) {
                    previous.insert(next, at);
                    queue.push_back(next);
                }
            }
        }
        Vec::new()
    }
}
