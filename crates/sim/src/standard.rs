//! Simulator standard set: the six bundled portals (trs, hanweb, gbk, big5, nometa, blocked), their
//! documents and scripted faults. Documents are listed in publication order; the site model lists
//! the latest insertion first.

use chrono::{NaiveDate, NaiveDateTime};

use super::{DocSpec, Family, Fault, FaultKind, SiteSpec};

pub(super) fn all() -> Vec<SiteSpec> {
    vec![trs(), hanweb(), gbk(), big5(), nometa(), blocked()]
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(h, min, 0))
        .expect("standard-set dates are literal valid dates")
}

/// A report covering `year`, published early the next year on a day that varies by year.
fn report(title: String, year: i32, hour: u32) -> DocSpec {
    let y = year.unsigned_abs();
    let published = at(year + 1, 1 + y % 3, 8 + y % 19, hour, (y % 6) * 10);
    DocSpec {
        published,
        ..DocSpec::new(&title, "2000-01-01 00:00").report(year)
    }
}

fn sorted(mut docs: Vec<DocSpec>) -> Vec<DocSpec> {
    docs.sort_by_key(|d| d.published);
    docs
}

/// 阿图什市 on TRS WCM: year channels 2009–2024; the 2017 report as the sample shows it; one report
/// filed twice; guide, catalogue and a notice that are not reports; one report with an empty
/// 发布机构 and no signature (issuing body the one its title names, 阿图什市).
fn trs() -> SiteSpec {
    let mut docs = Vec::new();
    for year in 2009..=2024 {
        let title = format!("阿图什市{year}年度政府信息公开年度报告");
        let mut doc = report(title, year, 9 + (year.unsigned_abs() % 8)).in_channel(year);
        doc = match year {
            2017 => DocSpec {
                published: at(2018, 2, 10, 12, 20),
                ..doc
            }
            .issued_by("阿图什政府网"),
            2011 => doc,
            _ => doc.issued_by("阿图什市人民政府办公室"),
        };
        if matches!(year, 2019 | 2021 | 2023) {
            doc = doc.with_attachment();
        }
        if year == 2020 {
            doc = doc.twice();
        }
        docs.push(doc);
    }
    docs.push(
        DocSpec::new("阿图什市人民政府信息公开指南", "2015-06-01 10:00")
            .issued_by("阿图什市人民政府办公室"),
    );
    docs.push(
        DocSpec::new("阿图什市人民政府信息公开目录", "2016-03-12 16:45")
            .issued_by("阿图什市人民政府办公室"),
    );
    docs.push(
        DocSpec::new(
            "关于做好2019年政府信息公开工作年度报告编制发布工作的通知",
            "2020-01-08 11:30",
        )
        .issued_by("阿图什市人民政府办公室")
        .numbered("阿市政办发〔2020〕3号")
        .in_channel(2019),
    );
    SiteSpec {
        name: "trs".into(),
        portal_name: "阿图什市人民政府".into(),
        family: Family::Trs,
        docs: sorted(docs),
        faults: Vec::new(),
        page_size: 8,
        crawl_delay: None,
        path_faults: Vec::new(),
        hostile: Vec::new(),
    }
}

/// 阿勒泰市 on Hanweb: the city's reports 2010–2024, three departments' reports 2021–2024, and
/// eleven documents that are not reports; 429 with Retry-After: 1 to the 3rd request.
fn hanweb() -> SiteSpec {
    let mut docs = Vec::new();
    for year in 2010..=2024 {
        let mut doc = report(
            format!("阿勒泰市{year}年政府信息公开工作年度报告"),
            year,
            10,
        )
        .issued_by("阿勒泰市人民政府办公室");
        if year % 3 == 0 {
            doc = doc.with_attachment();
        }
        docs.push(doc);
    }
    for (i, dept) in [
        "阿勒泰市教育局",
        "阿勒泰市卫生健康委员会",
        "阿勒泰市自然资源局",
    ]
    .iter()
    .enumerate()
    {
        for year in 2021..=2024 {
            let title = format!("{dept}{year}年政府信息公开工作年度报告");
            let published = at(year + 1, 1, 20 + u32::try_from(i).unwrap_or(0) * 2, 15, 0);
            docs.push(
                DocSpec {
                    published,
                    ..DocSpec::new(&title, "2000-01-01 00:00").report(year)
                }
                .issued_by(dept),
            );
        }
    }
    for (year, title) in [
        (2014, "阿勒泰市人民政府信息公开指南"),
        (2015, "阿勒泰市人民政府信息公开目录"),
        (2019, "阿勒泰市2019年政务公开工作要点"),
        (2020, "阿勒泰市2020年政务公开工作要点"),
        (2021, "阿勒泰市2021年政务公开工作要点"),
        (2022, "阿勒泰市2022年政务公开工作要点"),
        (2023, "阿勒泰市2023年政务公开工作要点"),
        (2024, "阿勒泰市2024年政务公开工作要点"),
        (2021, "关于调整阿勒泰市政务公开工作领导小组成员的通知"),
        (2022, "阿勒泰市政府信息公开申请流程"),
        (2023, "关于开展政府网站普查工作的通知"),
    ] {
        let published = at(
            year,
            4,
            3 + u32::try_from(title.len() % 20).unwrap_or(0),
            9,
            30,
        );
        let doc = DocSpec {
            published,
            ..DocSpec::new(title, "2000-01-01 00:00")
        }
        .issued_by("阿勒泰市人民政府办公室");
        let doc = if title.contains("通知") {
            doc.numbered(&format!("阿市政办发〔{year}〕{}号", year % 50))
        } else {
            doc
        };
        docs.push(doc);
    }
    docs.push(late_department_report());
    SiteSpec {
        name: "hanweb".into(),
        portal_name: "阿勒泰市人民政府".into(),
        family: Family::Hanweb,
        docs: sorted(docs),
        faults: vec![Fault {
            on_request: 3,
            kind: FaultKind::Status {
                status: 429,
                retry_after: Some(1),
            },
        }],
        page_size: 15,
        crawl_delay: Some(1),
        path_faults: Vec::new(),
        hostile: Vec::new(),
    }
}

/// A department's report published in April, after its deadline (31 January of the following
/// year): the coverage page's "captured late" cell (issue 13).
fn late_department_report() -> DocSpec {
    DocSpec {
        published: at(2024, 4, 16, 10, 0),
        ..DocSpec::new(
            "阿勒泰市民政局2023年政府信息公开工作年度报告",
            "2000-01-01 00:00",
        )
        .report(2023)
    }
    .issued_by("阿勒泰市民政局")
}

/// 阿拉山口市, legacy ASP in GBK: reports 2016–2024 signed by the city office; the 2023 report has
/// no 发布机构 line (issuing body from the signature); 503 to the 5th and 6th requests.
fn gbk() -> SiteSpec {
    let office = "阿拉山口市人民政府办公室";
    let mut docs = Vec::new();
    for year in 2016..=2024 {
        let mut doc = report(
            format!("阿拉山口市{year}年政府信息公开工作年度报告"),
            year,
            11,
        )
        .signed(office);
        if year == 2024 {
            doc.published = at(2025, 1, 20, 11, 0);
        }
        if year != 2023 {
            doc = doc.issued_by(office);
        }
        if year == 2022 {
            doc = doc.with_attachment();
        }
        docs.push(doc);
    }
    docs.push(DocSpec::new("阿拉山口市政府信息公开指南", "2017-05-15 09:00").issued_by(office));
    docs.push(
        DocSpec::new("阿拉山口市政府信息依申请公开办理流程", "2019-08-02 10:00").issued_by(office),
    );
    docs.push(
        DocSpec::new("关于进一步做好政务公开工作的通知", "2022-06-18 16:00")
            .issued_by(office)
            .numbered("阿市政办〔2022〕15号"),
    );
    SiteSpec {
        name: "gbk".into(),
        portal_name: "阿拉山口市人民政府".into(),
        family: Family::LegacyGbk,
        docs: sorted(docs),
        faults: vec![
            Fault {
                on_request: 5,
                kind: FaultKind::Status {
                    status: 503,
                    retry_after: None,
                },
            },
            Fault {
                on_request: 6,
                kind: FaultKind::Status {
                    status: 503,
                    retry_after: None,
                },
            },
        ],
        page_size: 5,
        crawl_delay: None,
        path_faults: Vec::new(),
        hostile: Vec::new(),
    }
}

/// 集安市 in Traditional characters and Big5 bytes: reports 2015–2024 and two other documents.
fn big5() -> SiteSpec {
    let mut docs = Vec::new();
    for year in 2015..=2024 {
        let mut doc = report(format!("集安市{year}年度政府資訊公開年度報告"), year, 14)
            .issued_by("集安市人民政府辦公室");
        if year == 2018 {
            doc = doc.with_attachment();
        }
        docs.push(doc);
    }
    docs.push(
        DocSpec::new("集安市政府資訊公開指南", "2016-09-09 09:09")
            .issued_by("集安市人民政府辦公室"),
    );
    docs.push(
        DocSpec::new("關於做好政府資訊公開年度報告工作的通知", "2021-12-20 10:00")
            .issued_by("集安市人民政府辦公室")
            .numbered("集政辦發〔2021〕8號"),
    );
    SiteSpec {
        name: "big5".into(),
        portal_name: "集安市人民政府".into(),
        family: Family::Big5,
        docs: sorted(docs),
        faults: Vec::new(),
        page_size: 5,
        crawl_delay: None,
        path_faults: Vec::new(),
        hostile: Vec::new(),
    }
}

/// 台上镇 (集安市): no metadata on item pages; only the 2024 report is signed (台上镇人民政府);
/// the others' issuing body is the one their titles name, 台上镇.
fn nometa() -> SiteSpec {
    let mut docs = Vec::new();
    for year in 2018..=2024 {
        let mut doc = report(format!("台上镇{year}年政府信息公开工作年度报告"), year, 8);
        if year == 2018 {
            doc.published = at(2019, 1, 25, 8, 0);
        }
        if year == 2024 {
            doc = doc.signed("台上镇人民政府");
        }
        docs.push(doc);
    }
    docs.push(DocSpec::new("台上镇政府信息公开指南", "2018-04-10 09:00"));
    docs.push(DocSpec::new("台上镇便民服务事项清单", "2020-07-01 09:00"));
    docs.push(DocSpec::new("台上镇政府信息公开申请表", "2022-03-15 09:00"));
    SiteSpec {
        name: "nometa".into(),
        portal_name: "台上镇人民政府".into(),
        family: Family::NoMeta,
        docs: sorted(docs),
        faults: Vec::new(),
        page_size: 4,
        crawl_delay: None,
        path_faults: Vec::new(),
        hostile: Vec::new(),
    }
}

/// A portal behind a 瑞数 wall: nothing can be harvested, so no truth.
fn blocked() -> SiteSpec {
    SiteSpec {
        name: "blocked".into(),
        portal_name: "通渭县人民政府".into(),
        family: Family::Blocked,
        docs: Vec::new(),
        faults: Vec::new(),
        page_size: 10,
        crawl_delay: None,
        path_faults: Vec::new(),
        hostile: Vec::new(),
    }
}
