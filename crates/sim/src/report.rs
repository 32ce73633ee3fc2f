//! Simulator report bodies: annual-report and notice HTML generated from the 2021 standard template
//! (and the pre-2020 layout for older years), with statistics derived from the year and a seed so
//! every report differs. Pure; called by the family renderers in `sites`.

use tables::Format;

#[path = "report_tables.rs"]
mod tables;

pub(crate) use tables::sub_items_2021;

/// Which characters to write: the Big5 site needs Traditional forms that Big5 can encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    Simplified,
    Traditional,
}

/// A small deterministic number stream (no clock, no global RNG) so pages are stable per seed.
pub(crate) struct Numbers(u64);

impl Numbers {
    pub(crate) fn new(year: i32, seed: u64) -> Numbers {
        Numbers(seed ^ (u64::from(year.unsigned_abs()) << 20) ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub(crate) fn next(&mut self, below: u64) -> u64 {
        // xorshift64*: good enough spread for table cells.
        let mut x = self.0 | 1;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D) % below.max(1)
    }
}

/// The subject of a report title: the text before the year ("阿图什市" of "阿图什市2017年度…").
pub(crate) fn subject_of(title: &str) -> &str {
    let end = title
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(title.len());
    title.get(..end).unwrap_or(title)
}

/// `report_html` for tests outside the simulator: the report of `subject` for `year` in the
/// 2021 format (from 2021 on) with its three statistics tables, Simplified or Traditional.
pub fn report_body(subject: &str, year: i32, seed: u64, traditional: bool) -> String {
    let script = if traditional {
        Script::Traditional
    } else {
        Script::Simplified
    };
    report_html(subject, year, seed, script)
}

/// The body of the annual report of `subject` covering `year`, as HTML paragraphs and tables.
pub(crate) fn report_html(subject: &str, year: i32, seed: u64, script: Script) -> String {
    match script {
        Script::Traditional => traditional(subject, year, seed),
        Script::Simplified if year >= 2019 => template_2021(subject, year, seed),
        Script::Simplified => template_old(subject, year, seed),
    }
}

fn p(text: &str) -> String {
    format!("<p style=\"text-indent:2em;\">{text}</p>\n")
}

pub(crate) fn table(rows: &[Vec<String>]) -> String {
    let mut out = String::from(
        "<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\" style=\"border-collapse:collapse;width:100%\">\n<tbody>\n",
    );
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str(&format!("<td style=\"text-align:center\">{cell}</td>"));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

fn template_2021(subject: &str, year: i32, seed: u64) -> String {
    let mut n = Numbers::new(year, seed);
    let total = 800 + n.next(6000);
    let files = 2 + n.next(40);
    let explain = 5 + n.next(30);
    let firms = n.next(3);
    let people = n.next(10) + tables::carried_forward(subject, year);
    let applications = people + firms;
    let done = applications;
    let permits = 50 + n.next(400);
    let penalties = 10 + n.next(120);
    let force = n.next(20);
    let fees = n.next(300);
    let mut out = String::new();
    out.push_str(&p(&format!(
        "根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求，编制发布本报告。本报告包括“总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项”六个部分。本报告中所列统计数据时限从{year}年1月1日起至{year}年12月31日止。如对本报告有疑问，请与{subject}人民政府办公室联系。"
    )));
    out.push_str("<p><strong>一、总体情况</strong></p>\n");
    out.push_str(&p(&format!(
        "（一）主动公开。{year}年，{subject}坚持以公开为常态、不公开为例外，累计主动公开各类政府信息{total}条，其中发布本级政府文件{files}件，发布政策解读{explain}条，及时回应社会关切，做到应公开尽公开。"
    )));
    out.push_str(&p(&format!(
        "（二）依申请公开。进一步规范依申请公开的受理、登记、办理、答复、归档等环节，全年收到政府信息公开申请{applications}件，办结{done}件，均在法定期限内答复。"
    )));
    out.push_str(&p("（三）政府信息管理。严格落实公开前保密审查制度，坚持“先审查、后公开”和“一事一审”原则，对已公开的规范性文件进行清理，确保信息准确、规范。"));
    out.push_str(&p("（四）平台建设。持续优化政府门户网站政府信息公开专栏，规范栏目设置，完善检索功能，发挥政府网站第一平台作用，同步通过政务新媒体发布重要信息。"));
    out.push_str(&p("（五）监督保障。将政务公开工作纳入年度绩效考核，定期开展网站自查和第三方检测，及时整改发现的问题，推动各项工作落到实处。"));
    out.push_str("<p><strong>二、主动公开政府信息情况</strong></p>\n");
    let format = if year >= 2021 {
        Format::F2021
    } else {
        Format::F2019
    };
    out.push_str(&tables::proactive(
        subject, year, &mut n, format, permits, penalties, force, fees,
    ));
    out.push_str("<p><strong>三、收到和处理政府信息公开申请情况</strong></p>\n");
    out.push_str(&tables::applications(
        subject, year, people, firms, &mut n, format,
    ));
    out.push_str("<p><strong>四、政府信息公开行政复议、行政诉讼情况</strong></p>\n");
    out.push_str(&tables::reviews(&mut n));
    out.push_str("<p><strong>五、存在的主要问题及改进情况</strong></p>\n");
    out.push_str(&p(&format!(
        "{year}年，{subject}政府信息公开工作取得了一定成效，但仍存在政策解读形式较为单一、部分单位公开意识有待提高等问题。下一步，将进一步丰富解读形式，加强业务培训，提升公开质量和实效。"
    )));
    out.push_str("<p><strong>六、其他需要报告的事项</strong></p>\n");
    out.push_str(&p(
        "按照《政府信息公开信息处理费管理办法》规定的收费标准，本年度未收取信息处理费。",
    ));
    out
}

fn template_old(subject: &str, year: i32, seed: u64) -> String {
    let mut n = Numbers::new(year, seed);
    let total = 500 + n.next(9000);
    let apps = n.next(60);
    let mut out = String::new();
    out.push_str(&p(&format!(
        "本年度政府信息公开报告根据《中华人民共和国政府信息公开条例》要求编制而成。全文由概述、主动公开政府信息情况、依申请公开政府信息情况、行政复议和行政诉讼情况、存在的主要问题及改进措施等部分组成。本报告中所列统计数据时限从{year}年1月1日起至{year}年12月31日止。"
    )));
    out.push_str("<p><strong>一、概述</strong></p>\n");
    out.push_str(&p(&format!(
        "{year}年，{subject}政务公开工作坚持以公开为常态、不公开为例外，全面推进决策、执行、管理、服务、结果公开，进一步加大政务公开范围，规范公开程序，强化对政务公开的领导和督促检查力度。"
    )));
    out.push_str("<p><strong>二、主动公开政府信息情况</strong></p>\n");
    out.push_str(&p(&format!(
        "{year}年，累计公开政务信息{total}条，其中政府文件{}份，政务动态信息{}条，通知公告{}条，财政预决算信息{}条。",
        20 + n.next(200),
        300 + n.next(1500),
        10 + n.next(60),
        10 + n.next(80)
    )));
    out.push_str("<p><strong>三、依申请公开政府信息情况</strong></p>\n");
    out.push_str(&p(&format!(
        "{year}年，共收到政府信息公开申请{apps}件，其中当面申请{apps}件，均已按期办结。"
    )));
    out.push_str(&table(&[
        vec!["指标".into(), "单位".into(), "数量".into()],
        vec!["主动公开政府信息数".into(), "条".into(), total.to_string()],
        vec!["收到申请数".into(), "件".into(), apps.to_string()],
        vec!["行政复议数量".into(), "件".into(), n.next(3).to_string()],
        vec!["行政诉讼数量".into(), "件".into(), n.next(3).to_string()],
    ]));
    out.push_str("<p><strong>四、政府信息公开的收费及减免情况</strong></p>\n");
    out.push_str(&p("依申请公开工作中未收取任何费用。"));
    out.push_str("<p><strong>五、因政府信息公开申请行政复议、提起行政诉讼的情况</strong></p>\n");
    out.push_str(&p(
        "本年度未发生因政府信息公开申请提起行政复议、行政诉讼的情况。",
    ));
    out.push_str("<p><strong>六、存在的主要问题及改进措施</strong></p>\n");
    out.push_str(&p(&format!(
        "政府信息涉及面广，公开内容有待进一步深化，公开形式较为单一。{}年将进一步完善工作机制，规范公开内容和方式。",
        year + 1
    )));
    out.push_str("<p><strong>七、其他需要报告的事项</strong></p>\n");
    out.push_str(&p("无。"));
    out
}

fn traditional(subject: &str, year: i32, seed: u64) -> String {
    let mut n = Numbers::new(year, seed);
    let total = 600 + n.next(5000);
    // From 2019 on the statistics are the template's tables (in Traditional characters).
    let firms = n.next(2);
    let people = n.next(8) + tables::carried_forward(subject, year);
    let apps = if year >= 2019 {
        people + firms
    } else {
        n.next(15)
    };
    let mut out = String::new();
    out.push_str(&p(&format!(
        "根據《中華人民共和國政府資訊公開條例》要求，編製發佈本報告。本報告包括總體情況、主動公開政府資訊情況、收到和處理政府資訊公開申請情況、政府資訊公開行政複議和行政訴訟情況、存在的主要問題及改進情況、其他需要報告的事項六個部分。本報告中所列統計數據時限從{year}年1月1日起至{year}年12月31日止。"
    )));
    out.push_str("<p><strong>一、總體情況</strong></p>\n");
    out.push_str(&p(&format!(
        "{year}年，{subject}堅持以公開為常態、不公開為例外，累計主動公開各類政府資訊{total}條，及時回應社會關切。全年收到政府資訊公開申請{apps}件，均在法定期限內答覆。"
    )));
    if year >= 2019 {
        let format = if year >= 2021 {
            Format::F2021
        } else {
            Format::F2019
        };
        let (permits, penalties, force, fees) =
            (40 + n.next(300), 5 + n.next(90), n.next(15), n.next(100));
        out.push_str("<p><strong>二、主動公開政府資訊情況</strong></p>\n");
        out.push_str(&tables::traditional(&tables::proactive(
            subject, year, &mut n, format, permits, penalties, force, fees,
        )));
        out.push_str("<p><strong>三、收到和處理政府資訊公開申請情況</strong></p>\n");
        out.push_str(&tables::traditional(&tables::applications(
            subject, year, people, firms, &mut n, format,
        )));
        out.push_str("<p><strong>四、政府資訊公開行政複議、行政訴訟情況</strong></p>\n");
        out.push_str(&tables::traditional(&tables::reviews(&mut n)));
    } else {
        out.push_str("<p><strong>二、主動公開政府資訊情況</strong></p>\n");
        out.push_str(&table(&[
            vec!["資訊內容".into(), "本年處理決定數量".into()],
            vec!["行政許可".into(), (40 + n.next(300)).to_string()],
            vec!["行政處罰".into(), (5 + n.next(90)).to_string()],
            vec!["行政強制".into(), n.next(15).to_string()],
        ]));
        out.push_str("<p><strong>三、收到和處理政府資訊公開申請情況</strong></p>\n");
        out.push_str(&table(&[
            vec!["申請人情況".into(), "自然人".into(), "總計".into()],
            vec![
                "本年新收政府資訊公開申請數量".into(),
                apps.to_string(),
                apps.to_string(),
            ],
            vec!["予以公開".into(), apps.to_string(), apps.to_string()],
        ]));
        out.push_str("<p><strong>四、政府資訊公開行政複議、行政訴訟情況</strong></p>\n");
        out.push_str(&p("本年度未發生因政府資訊公開引起的行政複議和行政訴訟。"));
    }
    out.push_str("<p><strong>五、存在的主要問題及改進情況</strong></p>\n");
    out.push_str(&p(
        "政策解讀形式較為單一，部分單位公開意識有待提高。下一步將加強業務培訓，提升公開品質。",
    ));
    out.push_str("<p><strong>六、其他需要報告的事項</strong></p>\n");
    out.push_str(&p("本年度未收取資訊處理費。"));
    out
}

/// The body of a document that is not an annual report (guide, catalogue, notice).
pub(crate) fn notice_html(title: &str, seed: u64, script: Script) -> String {
    let mut n = Numbers::new(2000, seed);
    let days = 5 + n.next(20);
    match script {
        Script::Traditional => format!(
            "{}{}{}{}",
            p(&format!(
                "為進一步做好政府資訊公開工作，根據《中華人民共和國政府資訊公開條例》有關規定，現就《{title}》有關事項說明如下。"
            )),
            p(&format!(
                "一、各單位要高度重視，明確專人負責，於{days}個工作日內完成相關工作，並將落實情況報送市人民政府辦公室。"
            )),
            p(
                "二、公民、法人或者其他組織可以通過政府入口網站、政府資訊公開查閱點等管道獲取政府資訊，也可以依法申請獲取相關政府資訊。"
            ),
            p(
                "三、各單位要嚴格落實公開前保密審查制度，堅持先審查、後公開，確保公開的資訊準確、規範。"
            )
        ),
        Script::Simplified => format!(
            "{}{}{}",
            p(&format!(
                "为进一步做好政府信息公开工作，根据《中华人民共和国政府信息公开条例》有关规定，现就《{title}》有关事项说明如下。"
            )),
            p(&format!(
                "一、各单位要高度重视，明确专人负责，于{days}个工作日内完成相关工作，并将落实情况报送市人民政府办公室。"
            )),
            p(
                "二、公民、法人或者其他组织可以通过政府门户网站、政府信息公开查阅点等渠道获取政府信息，也可以依法申请获取相关政府信息。"
            )
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_report_states_its_statistics_period() {
        for (script, year) in [
            (Script::Simplified, 2012),
            (Script::Simplified, 2023),
            (Script::Traditional, 2019),
        ] {
            let html = report_html("某市", year, 7, script);
            let wanted = format!("時限從{year}年1月1日起至{year}年12月31日止");
            let wanted_s = format!("时限从{year}年1月1日起至{year}年12月31日止");
            assert!(
                html.contains(&wanted) || html.contains(&wanted_s),
                "{script:?} {year}"
            );
        }
    }

    #[test]
    fn traditional_text_is_encodable_in_big5() {
        let html = report_html("集安市", 2020, 3, Script::Traditional)
            + &report_html("集安市", 2023, 3, Script::Traditional)
            + &notice_html("集安市政府資訊公開指南", 3, Script::Traditional);
        let (_, _, unmappable) = encoding_rs::BIG5.encode(&html);
        assert!(!unmappable);
    }

    #[test]
    fn subject_is_the_title_before_the_year() {
        let cases = [
            ("阿图什市2017年度政府信息公开年度报告", "阿图什市"),
            (
                "阿勒泰市教育局2023年政府信息公开工作年度报告",
                "阿勒泰市教育局",
            ),
            ("政府信息公开指南", "政府信息公开指南"),
        ];
        for (title, want) in cases {
            assert_eq!(subject_of(title), want);
        }
    }
}
