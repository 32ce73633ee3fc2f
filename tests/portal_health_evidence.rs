//! Portal health, evidence: a night that asks nothing of a file server that was down says
//! nothing of it, so its `files_unreachable` event is carried, with its `since`, and marked as
//! not looked at; the next night that asks it and finds it still down renews it, since the
//! night it first failed.

mod common;
mod portal_health_support;

use portal_health_support::{COUNTY, TwoFileHosts, event_of};

#[test]
fn a_night_that_asks_nothing_of_a_server_down_carries_its_event() {
    let site = TwoFileHosts::new();
    let files = TwoFileHosts::host(&site.files.base);

    let (first, _) = site.night(1, 0);
    assert_eq!(
        first["portals"][COUNTY]["file_hosts"][&files]["answered"], 4,
        "{first}"
    );
    // Night 2: four new reports, every PDF answered 503.
    let (second, summary) = site.night(2, 2);
    let raised = event_of(&second, COUNTY, "files_unreachable");
    assert_eq!(raised["host"], files.as_str(), "{summary}");
    let second_run = second["run_id"].as_str().expect("run_id").to_string();

    // Night 3: the list as it was (no new report) and the failed files not due yet: nothing
    // is asked of the file server.
    let before = site.pdf_requests();
    let (third, summary) = site.night(2, 2);
    assert_eq!(site.pdf_requests(), before, "{:?}", site.files.requests());
    assert!(
        third["portals"][COUNTY]["file_hosts"].get(&files).is_none(),
        "{}",
        third["portals"][COUNTY]
    );
    let carried = event_of(&third, COUNTY, "files_unreachable");
    assert_eq!(
        carried["since"],
        second_run.as_str(),
        "{carried}\n{summary}"
    );
    assert_eq!(carried["host"], files.as_str(), "{carried}");
    assert_eq!(carried["unseen"], 1, "{carried}");
    let detail = carried["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(&format!(
            "(since the run {second_run}; not looked at in this run: no attachment asked of it)"
        )),
        "{detail}"
    );
    assert!(summary.contains("not looked at in this run"), "{summary}");

    // Night 4: four new reports, the server still down: renewed, since night 2.
    let before = site.pdf_requests();
    let (fourth, summary) = site.night(3, 2);
    assert!(site.pdf_requests() > before, "{:?}", site.files.requests());
    let renewed = event_of(&fourth, COUNTY, "files_unreachable");
    assert_eq!(
        renewed["since"],
        second_run.as_str(),
        "{renewed}\n{summary}"
    );
    assert_eq!(renewed["unseen"], serde_json::Value::Null, "{renewed}");
    let detail = renewed["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("failed again"), "{detail}");
    assert!(!detail.contains("not looked at"), "{detail}");
}
