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
const NOT_YET_SERVED: &[&str] = &[
    // dashboard.graphql
];

/// The client files, every one in `tests/clients/`.
fn client_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(format!("{ROOT}/tests/clients"))
        .expect("tests/clients")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_suffix(".graphql").map(str::to_owned))
        .collect();
    files.sort();
    files
}

/// Every client operation that is served, with its file.
fn served_operations() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for file in client_files() {
        for (name, text) in operations(&read(&format!("tests/clients/{file}.graphql"))) {
            if !NOT_YET_SERVED.contains(&name.as_str()) {
                out.push((file.clone(), name, text));
            }
        }
    }
    out
}

#[test]
fn every_client_operation_validates_against_the_schema() {
    let schema = Schema::parse_and_validate(read("schema.graphql"), "schema.graphql").expect("schema.graphql is valid");
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in client_files() {
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
    let mut theirs: Vec<String> = std::fs::read_dir(&shared)
        .expect("shared/clients")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_suffix(".graphql").map(str::to_owned))
        .collect();
    theirs.sort();
    assert_eq!(client_files(), theirs, "tests/clients and shared/clients hold different files");
    for file in theirs {
        let ours = read(&format!("tests/clients/{file}.graphql"));
        let shared_text = std::fs::read_to_string(format!("{shared}/{file}.graphql")).expect("read shared client file");
        assert_eq!(ours, shared_text, "tests/clients/{file}.graphql differs from shared/clients: copy it again");
    }
}

/// The cost limit counts list sizes, and must leave the real front ends room: every served client
/// operation, with every page at its largest (`first: 100`), costs at most half the limit.
#[tokio::test]
async fn every_client_operation_costs_well_under_the_limit() {
    let schema = gongkai::graphql::schema_builder().extension(async_graphql::extensions::Analyzer).finish();
    let ceiling = gongkai::graphql::MAX_COMPLEXITY / 2;
    let mut report = Vec::new();
    let mut over = Vec::new();
    for (file, name, text) in served_operations() {
        let request = async_graphql::Request::new(text).variables(async_graphql::Variables::from_json(serde_json::json!({ "first": 100 })));
        let response = schema.execute(request).await;
        let analyzer = response.extensions.get("analyzer").and_then(|v| v.clone().into_json().ok());
        let Some(cost) = analyzer.as_ref().and_then(|a| a["complexity"].as_u64()) else {
            panic!("{file}#{name}: no cost computed: {:?}", response.errors);
        };
        report.push(format!("{cost:>6} {file}#{name}"));
        if cost as usize > ceiling {
            over.push(format!("{file}#{name} costs {cost}"));
        }
    }
    report.sort();
    println!("client operation costs (limit {}):\n{}", gongkai::graphql::MAX_COMPLEXITY, report.join("\n"));
    assert!(over.is_empty(), "client operations over half the cost limit:\n{}", over.join("\n"));
}
