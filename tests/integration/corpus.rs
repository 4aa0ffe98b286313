//! The workflow corpus: invalid workflows with the rule and place they break
//! (`tests/fixtures/invalid/*.yaml`), valid workflows with the exact request bodies
//! they expand to (`tests/fixtures/valid/*.yaml`), and the JSON Schema from
//! `vidflow schema` over both.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{fixture, vidflow};

/// Every `VAL-*` rule a workflow can break offline. Not here: VAL-1 and VAL-4 (the
/// body is always an object with a video), VAL-9 (an oversize `upload: base64`
/// file is over 30 MiB, generated in `media.rs` instead of kept here), VAL-10/11/25
/// (need the server), VAL-49 (Idempotency-Key).
const OFFLINE_VAL_RULES: [u32; 42] = [
    2, 3, 5, 6, 7, 8, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36,
    37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
];

/// Rules whose faults are in the file's structure, which the JSON Schema rejects too.
const STRUCTURAL: [&str; 4] = ["WF-UNKNOWN-KEY", "WF-YAML", "VAL-2", "VAL-3"];

/// What the first line of an invalid workflow says: `# expect: RULE [FILE:]LINE:COL`.
struct Expectation {
    rule: String,
    /// `FILE:LINE:COL`, FILE the workflow itself unless given.
    place: String,
}

fn expectation(dir: &Path, name: &str) -> Expectation {
    let text = std::fs::read_to_string(dir.join(name)).expect("fixture");
    let first = text.lines().next().unwrap_or_default();
    let mut words =
        first.strip_prefix("# expect: ").unwrap_or_else(|| panic!("{name}: no `# expect:` line")).split(' ');
    let rule = words.next().unwrap_or_default().to_owned();
    let place = words.next().unwrap_or_default();
    let place = if place.matches(':').count() == 2 { place.to_owned() } else { format!("{name}:{place}") };
    Expectation { rule, place }
}

fn yaml_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("fixture dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    names
}

fn source_dir(corpus: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(corpus)
}

/// Each invalid workflow: `vidflow check` exits 2 with exactly one error, of the
/// expected rule, at the expected file:line:col; together they cover every rule
/// that can be checked offline.
#[test]
fn every_invalid_workflow_reports_its_rule_at_its_place() {
    let dir = fixture("invalid");
    let names = yaml_files(dir.path());
    assert!(names.len() >= 60, "only {} invalid workflows", names.len());
    let mut failures = Vec::new();
    let mut covered = Vec::new();
    for name in &names {
        let want = expectation(dir.path(), name);
        covered.push(want.rule.clone());
        let out = vidflow(dir.path()).args(["check", name]).output().expect("vidflow check");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let rules: Vec<&str> =
            stderr.lines().filter_map(|l| l.strip_prefix("error[")).filter_map(|l| l.split(']').next()).collect();
        let ok = out.status.code() == Some(2)
            && rules == [want.rule.as_str()]
            && stderr.contains(&format!("--> {}\n", want.place))
            && stderr.contains("has 1 error;");
        if !ok {
            failures.push(format!(
                "{name}: want {} at {}, exit 2; got exit {:?}:\n{stderr}",
                want.rule,
                want.place,
                out.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), names.len(), failures.join("\n"));
    let missing: Vec<String> =
        OFFLINE_VAL_RULES.iter().map(|n| format!("VAL-{n}")).filter(|r| !covered.contains(r)).collect();
    assert!(missing.is_empty(), "no invalid workflow breaks {missing:?}");
}

/// The request bodies of a plan, one compact JSON line each, as the client sends them.
fn request_lines(plan: &Value) -> String {
    let mut out = String::new();
    for workflow in plan["workflows"].as_array().expect("workflows") {
        for task in workflow["tasks"].as_array().expect("tasks") {
            out.push_str(&serde_json::to_string(&task["request"]).expect("json"));
            out.push('\n');
        }
    }
    out
}

/// Each valid workflow: `vidflow plan --json` exits 0 and its request bodies equal
/// `expected/NAME.requests.jsonl` byte for byte (`VIDFLOW_BLESS=1` rewrites them).
#[test]
fn every_valid_workflow_expands_to_its_expected_request_bodies() {
    let dir = fixture("valid");
    let expected_dir = source_dir("valid").join("expected");
    let names = yaml_files(dir.path());
    assert!(names.len() >= 8, "only {} valid workflows", names.len());
    let mut failures = Vec::new();
    for name in &names {
        let out = vidflow(dir.path()).args(["plan", "--json", name]).output().expect("vidflow plan");
        if out.status.code() != Some(0) {
            failures.push(format!("{name}: exit {:?}\n{}", out.status.code(), String::from_utf8_lossy(&out.stderr)));
            continue;
        }
        let plan: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
        let got = request_lines(&plan);
        let file = expected_dir.join(name.replace(".yaml", ".requests.jsonl"));
        if std::env::var_os("VIDFLOW_BLESS").is_some() {
            std::fs::write(&file, &got).expect("bless");
            continue;
        }
        let want = std::fs::read_to_string(&file).unwrap_or_default();
        if got != want {
            failures.push(format!("{name}: request bodies differ\n--- expected\n{want}--- actual\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The workflow file read as plain YAML into JSON, as an editor sees it.
fn yaml_to_json(text: &str) -> Option<Value> {
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(text, options).ok()
}

/// `vidflow schema` accepts every valid workflow and rejects every invalid one whose
/// fault is structural (unknown key, wrong type) and that is YAML at all.
#[test]
fn the_schema_accepts_valid_workflows_and_rejects_structural_faults() {
    let out = vidflow(Path::new(env!("CARGO_MANIFEST_DIR"))).arg("schema").output().expect("vidflow schema");
    assert_eq!(out.status.code(), Some(0));
    let schema: Value = serde_json::from_slice(&out.stdout).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let valid = source_dir("valid");
    for name in yaml_files(&valid) {
        let doc = yaml_to_json(&std::fs::read_to_string(valid.join(&name)).expect("read")).expect("YAML");
        let errors: Vec<String> =
            validator.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{name} should validate: {errors:?}");
    }
    let invalid = source_dir("invalid");
    let mut rejected = 0;
    for name in yaml_files(&invalid) {
        let want = expectation(&invalid, &name);
        let text = std::fs::read_to_string(invalid.join(&name)).expect("read");
        let Some(doc) = yaml_to_json(&text).filter(|_| STRUCTURAL.contains(&want.rule.as_str())) else {
            continue;
        };
        assert!(!validator.is_valid(&doc), "{name} ({}) should be rejected by the schema", want.rule);
        rejected += 1;
    }
    assert!(rejected >= 10, "only {rejected} structural faults checked");
}
