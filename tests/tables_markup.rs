//! Issue 12: the table readers never panic, whatever the markup: spans of any size, stray row
//! groups, unclosed tables, cell streams mixed in.

use nianbao::tables;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// Arbitrary table markup (spans of any size, stray row groups, nesting) never panics.
    #[test]
    fn arbitrary_table_markup_never_panics(parts in proptest::collection::vec(prop_oneof![
        Just("<table>".to_string()), Just("</table>".to_string()), Just("<tr>".to_string()),
        Just("<tbody>".to_string()), Just("<tfoot>".to_string()), Just("<thead>".to_string()),
        Just("<td>总计</td>".to_string()), Just("<td>自然人</td>".to_string()),
        Just("<td>一、本年新收</td>".to_string()), Just("<td>行政复议</td><td>结果维持</td>".to_string()),
        "[0-9]{1,12}".prop_map(|n| format!("<td rowspan={n} colspan={n}>1</td>")),
        "[ -~]{0,8}".prop_map(|s| format!("<td>{s}</td>")),
        "[0-9 -]{0,6}|".prop_map(|s| format!("{s} |\n")),
    ], 0..60)) {
        let html = parts.concat();
        let _ = tables::read_body(html.as_bytes(), Some("text/html"), false);
        let _ = tables::read_text(&html);
    }
}
