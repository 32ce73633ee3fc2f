//! `find-section`'s human-readable report: the sections found, best first, the links to other
//! sites, the pages not read, and a seed entry for the best section (or every strong one).

use std::fmt::Write as _;

use super::{Candidate, Finding};

/// The human-readable report, ending with a seed entry for the best candidate (with `all`, for
/// every strong one).
pub fn render_text(f: &Finding, all: bool) -> String {
    let mut out = String::new();
    let _ = write!(out, "start:    {}", f.start);
    if let Some(title) = &f.title {
        let _ = write!(out, " ({title})");
    }
    out.push('\n');
    if let Some(code) = &f.site_code {
        let _ = writeln!(out, "site:     标识码 {code}");
    }
    let _ = writeln!(out, "requests: {}", f.requests);
    if f.candidates.is_empty() {
        out.push_str("no section found: no page reached lists annual reports\n");
    } else {
        out.push_str("sections, best first:\n");
    }
    for (n, c) in f.candidates.iter().enumerate() {
        let path = if c.path.is_empty() {
            "(the start page)".to_string()
        } else {
            c.path.join(" > ")
        };
        let _ = writeln!(out, "  {}. {}", n + 1, c.url);
        if let Some(body) = &c.body {
            let _ = writeln!(out, "     body:  {body}");
        }
        let _ = writeln!(out, "     path:  {path}");
        let mut what = format!(
            "{}: {} entries, {} annual reports by title",
            c.kind, c.entries, c.reports
        );
        if let (Some(a), Some(b)) = (c.first_year, c.last_year) {
            let _ = write!(what, " ({a}-{b})");
        }
        if c.year_lists > 0 {
            let _ = write!(what, ", {} year lists", c.year_lists);
        }
        if let Some(stated) = c.stated {
            let counts: Vec<String> = [(stated.pages, "pages"), (stated.items, "items")]
                .into_iter()
                .filter_map(|(n, what)| n.map(|n| format!("{n} {what}")))
                .collect();
            if !counts.is_empty() {
                let _ = write!(what, ", site states {}", counts.join(" and "));
            }
        }
        let _ = writeln!(out, "     {what}");
        if let Some(detail) = &c.detail {
            let _ = writeln!(out, "     {detail}");
        }
        if let Some(column) = &c.column_name {
            let _ = writeln!(out, "     column name: {column}");
        }
    }
    if !f.elsewhere.is_empty() {
        out.push_str("links to other sites, not followed (run find-section there):\n");
        for e in &f.elsewhere {
            let _ = writeln!(out, "  {} {}", e.label, e.url);
        }
    }
    for failure in &f.failures {
        let _ = writeln!(out, "not read: {} ({})", failure.url, failure.why);
    }
    if all {
        let seeds: Vec<&Candidate> = f
            .candidates
            .iter()
            .filter(|c| c.is_strong() && c.kind != "needs_javascript")
            .collect();
        if !seeds.is_empty() {
            out.push_str(
                "\nSeed entries for the strong ones (check each with `nianbao inspect URL`, then set verified = true):\n",
            );
        }
        for c in seeds {
            out.push('\n');
            seed_entry(&mut out, c.body.as_deref().or(f.body.as_deref()), &c.url);
        }
        return out;
    }
    match f.candidates.first() {
        Some(best) if best.kind == "needs_javascript" => out.push_str(
            "\nThe best one is filled by a script: configure its list API as its line above says (README, \"Adding a portal\").\n",
        ),
        Some(best) => {
            out.push_str(
                "\nA seed entry for the best one (check it with `nianbao inspect URL`, then set verified = true):\n\n",
            );
            seed_entry(&mut out, f.body.as_deref().or(best.body.as_deref()), &best.url);
        }
        None => {}
    }
    out
}

/// A seed entry for the section at `url` of the body `name`, for a person to review.
fn seed_entry(out: &mut String, name: Option<&str>, url: &str) {
    let _ = writeln!(out, "[[portal]]");
    let _ = writeln!(
        out,
        "name = {}",
        toml_string(name.unwrap_or("NAME OF THE BODY"))
    );
    let _ = writeln!(out, "url = {}", toml_string(url));
    let _ = writeln!(out, "verified = false");
}

/// `s` as a TOML basic string.
fn toml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}
