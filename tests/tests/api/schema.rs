//! The exported schema matches `schema.graphql`, and every client operation validates against it.

use apollo_compiler::{ExecutableDocument, Schema};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}")).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

#[test]
fn schema_graphql_matches_the_code() {
    let exported = gongkai::graphql::sdl();
    let committed = read("schema.graphql");
    assert!(
        exported == committed,
        "schema.graphql is out of date: run `cargo run -p gongkai -- export-schema > schema.graphql`"
    );
}

/// Splits a client file into its operations (each starts at a line beginning with a keyword).
fn operations(source: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in source.lines() {
        let starts = ["query ", "mutation ", "subscription "].iter().any(|k| line.starts_with(k));
        if starts {
            let name = line.split([' ', '(', '{']).nth(1).unwrap_or("").to_owned();
            out.push((name, String::new()));
        }
        if let Some((_, text)) = out.last_mut() {
            if !line.trim_start().starts_with('#') {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    out
}

/// Operations that belong to issues not built yet. Each entry must go once its feature lands.
const NOT_YET_SERVED: &[&str] = &[];

#[test]
fn every_client_operation_validates_against_the_schema() {
    let schema = Schema::parse_and_validate(read("schema.graphql"), "schema.graphql").expect("schema.graphql is valid");
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in ["admin", "citizen", "live", "staff", "supervisor"] {
        let path = format!("tests/clients/{file}.graphql");
        for (name, text) in operations(&read(&path)) {
            let result = ExecutableDocument::parse_and_validate(&schema, text, format!("{path}#{name}"));
            match (result, NOT_YET_SERVED.contains(&name.as_str())) {
                (Ok(_), true) => failures.push(format!("{name} now validates: remove it from NOT_YET_SERVED")),
                (Ok(_), false) => checked += 1,
                (Err(_), true) => {}
                (Err(errors), false) => failures.push(format!("{name}: {}", errors.errors)),
            }
        }
    }
    assert!(failures.is_empty(), "client operations failing:\n{}", failures.join("\n"));
    assert!(checked >= 30, "only {checked} operations were checked");
}

#[test]
fn the_operation_copies_match_shared_clients_where_present() {
    let shared = format!("{ROOT}/../shared/clients");
    if !std::path::Path::new(&shared).exists() {
        return;
    }
    for file in ["admin", "citizen", "live", "staff", "supervisor"] {
        let ours = read(&format!("tests/clients/{file}.graphql"));
        let theirs = std::fs::read_to_string(format!("{shared}/{file}.graphql")).expect("read shared client file");
        assert_eq!(ours, theirs, "tests/clients/{file}.graphql differs from shared/clients: copy it again");
    }
}
