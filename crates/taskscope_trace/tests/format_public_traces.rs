//! Real Chrome trace files written by other tools (`../shared/fixtures/public-traces/`):
//! the reader's counts must match what that folder's README says a reader should find.

use std::path::{Path, PathBuf};

use taskscope_trace::{SourceFormat, Trace};

fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/public-traces"
    ));
    if dir.join("README.md").exists() {
        Some(dir.to_path_buf())
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

/// What the README says a reader should find in one file.
#[derive(Debug, Default)]
struct Expected {
    file: String,
    slices: Option<u64>,
    lanes: Option<u64>,
    max_depth: Option<u64>,
    instants: Option<u64>,
    counter_series: Option<u64>,
    counter_samples: Option<u64>,
    flows_about: Option<u64>,
    unclosed: Option<u64>,
    empty: bool,
}

/// The number written just before `phrase` in `text` (e.g. "8011" in "8011 slices").
fn number_before(text: &str, phrase: &str) -> Option<u64> {
    let at = text.find(phrase)?;
    let before = text.get(..at)?.trim_end();
    let digits: String = before
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().ok()
}

fn number_after(text: &str, phrase: &str) -> Option<u64> {
    let at = text.find(phrase)? + phrase.len();
    let digits: String = text
        .get(at..)?
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn expectations(readme: &str) -> Vec<Expected> {
    let mut out = Vec::new();
    for section in readme.split("\n## ").skip(1) {
        let file = section.lines().next().unwrap_or("").trim().to_owned();
        let Some(find) = section.lines().find(|l| l.contains("A reader should find")) else {
            continue;
        };
        out.push(Expected {
            file,
            slices: number_before(find, " slices"),
            lanes: number_before(find, " thread lanes"),
            max_depth: number_after(find, "max depth"),
            instants: number_before(find, " instant markers"),
            counter_series: number_before(find, " series"),
            counter_samples: number_before(find, " samples"),
            flows_about: number_after(find, "about"),
            unclosed: number_before(find, " unclosed B"),
            empty: find.contains("(0 events)"),
        });
    }
    out
}

#[test]
fn readme_is_understood() {
    let Some(dir) = fixtures() else { return };
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let all = expectations(&readme);
    assert!(all.len() >= 15, "{all:?}");
    let x = all
        .iter()
        .find(|e| e.file == "catapult_x_event_trace.json")
        .unwrap();
    assert_eq!(x.slices, Some(3241));
    assert_eq!(x.lanes, Some(3));
    assert_eq!(x.max_depth, Some(8));
    assert_eq!(x.instants, Some(59));
    assert_eq!(x.counter_series, Some(1));
    assert_eq!(x.counter_samples, Some(42));
}

#[test]
fn counts_match_the_readme() {
    let Some(dir) = fixtures() else { return };
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let mut failures = Vec::new();
    for e in expectations(&readme) {
        let path = dir.join(&e.file);
        let trace = match Trace::open(&path) {
            Ok(t) => t,
            Err(err) => {
                failures.push(format!("{}: {err}", e.file));
                continue;
            }
        };
        assert_eq!(trace.meta().source, SourceFormat::Chrome, "{}", e.file);
        // The README counts complete slices (X, and B/E pairs); unclosed B are counted apart.
        let spans = trace.spans().iter().filter(|s| !s.unclosed).count() as u64;
        let lanes = trace
            .lanes()
            .iter()
            .enumerate()
            .filter(|(i, l)| {
                !l.is_async
                    && trace
                        .lane_spans(taskscope_trace::LaneId(*i as u32))
                        .iter()
                        .any(|s| !s.unclosed)
            })
            .count() as u64;
        let depth = trace
            .spans()
            .iter()
            .map(|s| u64::from(s.depth) + 1)
            .max()
            .unwrap_or(0);
        let instants = trace.instants().len() as u64;
        let series = trace.counters().len() as u64;
        let samples: u64 = trace
            .counters()
            .iter()
            .map(|c| c.samples.len() as u64)
            .sum();
        // Flow steps on threads without any slice cannot become span-to-span arrows; the
        // reader counts them in a diagnostic, and the README counts them as arrows.
        let unbound: u64 = trace
            .diagnostics()
            .iter()
            .filter_map(|d| {
                d.message.strip_suffix(
                    " flow steps could not be drawn: their thread has no slice to bind them to",
                )
            })
            .filter_map(|n| n.parse::<u64>().ok())
            .sum();
        let flows = trace.flows().len() as u64 + unbound;
        let unclosed = trace.spans().iter().filter(|s| s.unclosed).count() as u64;
        let mut check = |what: &str, expected: Option<u64>, got: u64| {
            if let Some(want) = expected
                && want != got
            {
                failures.push(format!(
                    "{}: {what}: README says {want}, reader found {got}",
                    e.file
                ));
            }
        };
        check("slices", e.slices, spans);
        check("lanes", e.lanes, lanes);
        check("max depth", e.max_depth, depth);
        check("instants", e.instants, instants);
        check("counter series", e.counter_series, series);
        check("counter samples", e.counter_samples, samples);
        check("unclosed", e.unclosed, unclosed);
        if e.empty {
            check("spans of an empty trace", Some(0), spans);
        }
        if let Some(about) = e.flows_about {
            // "about": binding flow points to slices is heuristic in every reader.
            let (lo, hi) = (about * 9 / 10, about * 11 / 10 + 1);
            if flows < lo || flows > hi {
                failures.push(format!(
                    "{}: flow arrows: README says about {about}, reader found {flows}",
                    e.file
                ));
            }
        }
        eprintln!(
            "{}: {spans} spans, {lanes} lanes, depth {depth}, {instants} instants, {series} series/{samples} samples, {flows} flows, {unclosed} unclosed; {:?}",
            e.file,
            trace.diagnostics()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
