//! The hand-made fixtures are valid against the official schemas
//! (`tests/data/schemas/`, sources in its SOURCES.md), so the scenarios
//! test what real tools write, not what this project imagines. The
//! schemas' external references are served from the same folder; nothing
//! is fetched.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::path::{Path, PathBuf};

use serde_json::Value;

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data")).join(rel)
}

fn json(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(data(rel)).unwrap()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Serves the schemas' `$ref`s from `tests/data/schemas/`.
struct Local;

impl jsonschema::Retrieve for Local {
    fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let file = match uri.as_str() {
            "http://cyclonedx.org/schema/spdx.schema.json" => "schemas/cyclonedx/spdx.schema.json",
            "http://cyclonedx.org/schema/jsf-0.82.schema.json" => "schemas/cyclonedx/jsf-0.82.schema.json",
            "https://www.first.org/cvss/cvss-v2.0.json" => "schemas/csaf/cvss-v2.0.json",
            "https://www.first.org/cvss/cvss-v3.0.json" => "schemas/csaf/cvss-v3.0.json",
            "https://www.first.org/cvss/cvss-v3.1.json" => "schemas/csaf/cvss-v3.1.json",
            other => return Err(format!("{other} is not served offline").into()),
        };
        Ok(json(file))
    }
}

fn assert_valid(schema: &str, instance: &str) {
    let validator =
        jsonschema::options().with_retriever(Local).build(&json(schema)).unwrap_or_else(|e| panic!("{schema}: {e}"));
    let doc = json(instance);
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{instance} is not valid against {schema}:\n{}", errors.join("\n"));
}

#[test]
fn scenario_sboms_are_valid() {
    assert_valid("schemas/cyclonedx/bom-1.5.schema.json", "scenarios/vulnerable_component/sbom.cdx.json");
    assert_valid("schemas/cyclonedx/bom-1.5.schema.json", "scenarios/vex_suppressed/sbom.cdx.json");
    assert_valid("schemas/cyclonedx/bom-1.4.schema.json", "scenarios/unidentified_components/sbom.cdx.json");
    assert_valid("schemas/spdx/spdx-schema.json", "scenarios/no_vulns/sbom.spdx.json");
}

#[test]
fn scenario_vex_documents_are_valid() {
    assert_valid("schemas/cyclonedx/bom-1.5.schema.json", "scenarios/vex_suppressed/vex.cdx.json");
    assert_valid("schemas/csaf/csaf_json_schema.json", "scenarios/vex_suppressed/vex.csaf.json");
}

#[test]
fn the_validation_can_fail() {
    // The same validator refuses a document the schema forbids.
    let validator =
        jsonschema::options().with_retriever(Local).build(&json("schemas/csaf/csaf_json_schema.json")).unwrap();
    let mut doc = json("scenarios/vex_suppressed/vex.csaf.json");
    doc["document"]["category"] = Value::from("");
    assert!(!validator.is_valid(&doc));
    let validator =
        jsonschema::options().with_retriever(Local).build(&json("schemas/cyclonedx/bom-1.6.schema.json")).unwrap();
    let mut doc = json("scenarios/vulnerable_component/sbom.cdx.json");
    doc["components"][0]["type"] = Value::from("toaster");
    assert!(!validator.is_valid(&doc));
}
