//! The legal deadline of an annual report: 政府信息公开条例 art. 49–50, departments of governments
//! at or above county level publish by 31 January, governments by 31 March of the following year.
//! Which applies is read from the issuing body's name.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Which deadline applies to an issuing body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A department (局, 委, 办, 厅, 中心 …): 31 January.
    Department,
    /// A government (人民政府, 县, 区, 镇, 乡, 街道 …): 31 March.
    Government,
}

/// The rule for a body, and the part of its name that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleChoice {
    pub rule: Rule,
    /// Why: `name ends in 局`, `a government's own office (人民政府办公室)` ….
    pub because: String,
}

/// A government's own office publishes the government's report: the government's deadline.
const GOVERNMENT_OFFICES: &[&str] = &[
    "人民政府办公室",
    "人民政府办公厅",
    "人民政府辦公室",
    "人民政府辦公廳",
    "政府办公室",
    "政府辦公室",
    // Short names: 和义县政府办; a town's 党政办公室 publishes the town's report.
    "政府办",
    "政府辦",
    "党政办公室",
    "黨政辦公室",
    "党政办",
    "黨政辦",
    "街道办事处",
    "街道辦事處",
];
const GOVERNMENT_ENDINGS: &[&str] = &[
    "人民政府",
    "政府",
    "街道办事处",
    "街道辦事處",
    "街道",
    "县",
    "縣",
    "区",
    "區",
    "市",
    "镇",
    "鎮",
    "乡",
    "鄉",
    "旗",
];
const DEPARTMENT_ENDINGS: &[&str] = &[
    "委员会",
    "委員會",
    "办公室",
    "辦公室",
    "局",
    "委",
    "办",
    "辦",
    "厅",
    "廳",
    "中心",
    "署",
    "院",
    "所",
    "站",
    "队",
    "隊",
    "会",
    "會",
    "处",
    "處",
    "部",
];

pub fn rule_for(body: &str) -> RuleChoice {
    let body = body.trim();
    if let Some(office) = GOVERNMENT_OFFICES.iter().find(|e| body.ends_with(*e)) {
        return RuleChoice {
            rule: Rule::Government,
            because: format!("a government or its own office ({office})"),
        };
    }
    if let Some(end) = DEPARTMENT_ENDINGS.iter().find(|e| body.ends_with(*e)) {
        return RuleChoice {
            rule: Rule::Department,
            because: format!("name ends in {end}"),
        };
    }
    if let Some(end) = GOVERNMENT_ENDINGS.iter().find(|e| body.ends_with(*e)) {
        return RuleChoice {
            rule: Rule::Government,
            because: format!("name ends in {end}"),
        };
    }
    RuleChoice {
        rule: Rule::Government,
        because: "name fits neither pattern: the later deadline, so nothing is called late wrongly"
            .into(),
    }
}

/// A government's own office, as [`body_key`] reads it (simplified, no spaces): the government.
const OFFICE_OF_GOVERNMENT: &[&str] = &[
    "人民政府办公室",
    "人民政府办公厅",
    "政府办公室",
    "政府办公厅",
    "政府办",
    "党政办公室",
    "党政办",
];
/// The endings of a bare place name (`某某县`, as an annual report's title gives its body).
const PLACE_ENDINGS: &[char] = &['省', '市', '县', '区', '镇', '乡', '旗'];

/// The key under which the coverage matrix puts a body's reports: one body under the names its
/// reports give it in different years is one row. Spaces are dropped and Traditional characters
/// read as Simplified (the whole conversion table, as the same-report rule reads them); a government's own office (`…人民政府办公室`, `…政府办`, a town's
/// `…党政办公室`), a short `…县政府` and the bare place name an annual report's title gives
/// (`…县`) all read as the government (`…县人民政府`); `…街道办事处` reads as `…街道`.
/// Departments keep their names.
pub fn body_key(name: &str) -> String {
    let spaceless: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    let mut key = crate::traditional::to_simplified_in_full(&spaceless);
    if let Some(office) = OFFICE_OF_GOVERNMENT.iter().find(|o| key.ends_with(*o))
        && key.len() > office.len()
    {
        key.truncate(key.len() - office.len());
        key.push_str("人民政府");
    }
    if let Some(stem) = key.strip_suffix("街道办事处") {
        key = format!("{stem}街道");
    } else if !key.ends_with("人民政府") {
        if let Some(stem) = key.strip_suffix("政府").filter(|s| !s.is_empty()) {
            key = format!("{stem}人民政府");
        } else if key.chars().count() > 1 && key.ends_with(PLACE_ENDINGS) {
            key.push_str("人民政府");
        }
    }
    key
}

/// The last day to publish the report on `year`; none for a year with no year after it.
pub fn deadline(rule: Rule, year: i32) -> Option<NaiveDate> {
    let next = year.checked_add(1)?;
    match rule {
        Rule::Department => NaiveDate::from_ymd_opt(next, 1, 31),
        Rule::Government => NaiveDate::from_ymd_opt(next, 3, 31),
    }
}

impl Rule {
    pub fn label(self) -> &'static str {
        match self {
            Rule::Department => "department: 31 January",
            Rule::Government => "government: 31 March",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departments_and_governments_by_name() {
        let cases = [
            ("阿勒泰市教育局", Rule::Department),
            ("阿勒泰市卫生健康委员会", Rule::Department),
            ("阿勒泰市發展和改革委", Rule::Department),
            ("平潭综合实验区管委会办公室", Rule::Department),
            ("衢州市大数据中心", Rule::Department),
            ("浙江省财政厅", Rule::Department),
            ("阿图什市人民政府办公室", Rule::Government),
            ("集安市人民政府辦公室", Rule::Government),
            ("阿图什市人民政府", Rule::Government),
            ("台上镇", Rule::Government),
            ("花甸鎮人民政府", Rule::Government),
            ("通渭县", Rule::Government),
            ("朝阳区", Rule::Government),
            ("某某乡", Rule::Government),
            ("东城街道", Rule::Government),
            ("东城街道办事处", Rule::Government),
            ("和义县政府办", Rule::Government),
            ("青石镇党政办公室", Rule::Government),
            ("青石鎮黨政辦", Rule::Government),
            ("和义县政务服务中心", Rule::Department),
            ("某某", Rule::Government),
        ];
        for (body, rule) in cases {
            assert_eq!(rule_for(body).rule, rule, "{body}");
        }
        assert!(rule_for("某某").because.contains("neither"));
        // Every name of a government reads as the government it names, under its own rule.
        for body in ["阿图什市人民政府办公室", "阿图什市政府办", "阿图什市"] {
            assert_eq!(
                rule_for(body).rule,
                rule_for(&body_key(body)).rule,
                "{body}"
            );
        }
        assert_eq!(
            deadline(Rule::Department, 2023),
            NaiveDate::from_ymd_opt(2024, 1, 31)
        );
        assert_eq!(
            deadline(Rule::Government, 2023),
            NaiveDate::from_ymd_opt(2024, 3, 31)
        );
        // The last year the index can hold (a damaged record) has no year after it to fall in.
        for rule in [Rule::Department, Rule::Government] {
            assert_eq!(deadline(rule, i32::MAX), None);
        }
    }

    #[test]
    fn one_body_under_its_several_names_has_one_key() {
        let same = [
            (
                "和义县人民政府",
                &[
                    "和义县人民政府",
                    "和义县人民政府办公室",
                    "和义县 人民政府",
                    "和义縣人民政府辦公室",
                    "和义县政府",
                    "和义县政府办",
                    "和义县政府办公室",
                    "和义县",
                ][..],
            ),
            (
                "青石镇人民政府",
                &[
                    "青石镇",
                    "青石鎮人民政府",
                    "青石镇党政办公室",
                    "青石镇党政办",
                ][..],
            ),
            (
                "东城街道",
                &["东城街道", "东城街道办事处", "东城街道辦事處"][..],
            ),
            ("阿勒泰市教育局", &["阿勒泰市教育局", "阿勒泰市教育局 "][..]),
            // Characters only the whole conversion table knows (綜, 實, 驗 of a place name).
            (
                "平潭综合实验区财政金融局",
                &["平潭综合实验区财政金融局", "平潭綜合實驗區財政金融局"][..],
            ),
        ];
        for (key, names) in same {
            for name in names {
                assert_eq!(body_key(name), key, "{name}");
            }
        }
        // Other bodies stay apart: a department, its office, the county and its city.
        let apart = [
            "和义县人民政府",
            "和义县教育局",
            "和义县教育局办公室",
            "和义市人民政府",
            "和义县政务服务中心",
            "政府",
            "县",
        ];
        let keys: std::collections::BTreeSet<String> = apart.iter().map(|n| body_key(n)).collect();
        assert_eq!(keys.len(), apart.len(), "{keys:?}");
    }
}
