//! Zoo generation: a seed -> portal specs. Each dimension a real portal varies in cycles with the
//! portal's index (with co-prime periods, so combinations differ) and the seed shifts every
//! cycle, so any seed covers every variant and different seeds combine them differently.

use chrono::NaiveDate;

use super::{
    Charset, FirstLink, Pager, Script, Stated, UcapChannel, UcapStyle, YearLabel, YearLayout,
    YearNav, ZooFamily, ZooItem, ZooSpec,
};

const FAMILIES: [ZooFamily; 6] = [
    ZooFamily::Asp,
    ZooFamily::Trs,
    ZooFamily::Hanweb,
    ZooFamily::TrsXxgk,
    ZooFamily::Gkmlpt,
    ZooFamily::Ucap,
];

/// Place names that encode in GBK and in Big5 alike where the script needs it.
const PLACES_SIMPLIFIED: [&str; 9] = [
    "青山", "白水", "东湖", "西岭", "南岗", "北塘", "安平", "长乐", "永和",
];
const PLACES_TRADITIONAL: [&str; 9] = [
    "青山", "白水", "東湖", "西嶺", "南崗", "北塘", "安平", "長樂", "永和",
];
const LEVELS: [&str; 5] = ["县", "区", "镇", "市", "乡"];
const LEVELS_TRADITIONAL: [&str; 5] = ["縣", "區", "鎮", "市", "鄉"];

const NEXT_WORDS: [&str; 8] = ["下一页", "下一頁", "后页", "後頁", "下页", "›", "Next", ">"];

/// A small deterministic mixer (splitmix64), so the zoo needs no random-number crate.
fn mix(seed: u64, i: u64) -> u64 {
    let mut z = seed
        .wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `count` portals from `seed` (at least 45 are distinct in names; more repeat the place names
/// with a number).
pub fn generate(seed: u64, count: usize) -> Vec<ZooSpec> {
    (0..count).map(|i| portal(seed, i)).collect()
}

/// Option `i` of a cycle through `options`, shifted by the seed; after each full cycle the
/// dimension `salt` steps by its own stride, so two dimensions with as many options do not stay
/// in lock step.
fn pick<T: Clone>(options: &[T], seed: u64, i: usize, salt: u64) -> T {
    let len = options.len();
    let shift = (mix(seed, salt) % len as u64) as usize;
    let stagger = (i / len) * (1 + salt as usize % len.max(2));
    options[(i + shift + stagger) % len].clone()
}

fn portal(seed: u64, i: usize) -> ZooSpec {
    let family = FAMILIES[i % FAMILIES.len()];
    // The variant index within the family: the dimensions below cycle with it.
    let k = i / FAMILIES.len();
    // HTML families cycle through every charset; the script follows Big5 (Traditional) and GBK
    // (Simplified) and varies on UTF-8.
    let either = pick(&[Script::Simplified, Script::Traditional], seed, k, 1);
    let charset = match family {
        ZooFamily::Asp | ZooFamily::Trs => pick(
            &[
                Charset::Gbk { declared: true },
                Charset::Big5 { declared: true },
                Charset::Utf8 { declared: true },
                Charset::Gbk { declared: false },
                Charset::Big5 { declared: false },
                Charset::Utf8 { declared: false },
            ],
            seed,
            k,
            3,
        ),
        // JSON APIs answer UTF-8, as Hanweb columns do; their item pages vary only in the
        // declaration.
        _ => Charset::Utf8 {
            declared: pick(&[true, false], seed, k, 2),
        },
    };
    let script = match charset {
        Charset::Gbk { .. } => Script::Simplified,
        Charset::Big5 { .. } => Script::Traditional,
        Charset::Utf8 { .. } => either,
    };
    let next = pick(&NEXT_WORDS, seed, k, 5);
    let pager = match family {
        ZooFamily::Trs => pick(
            &[
                Pager::Script,
                Pager::Numbered,
                Pager::Next(next),
                Pager::Select,
            ],
            seed,
            k,
            6,
        ),
        // ASP.NET WebForms pagers twice: both ways the form can sit on the page need a portal.
        _ => pick(
            &[
                Pager::Next(next),
                Pager::Numbered,
                Pager::PostBack,
                Pager::Select,
                Pager::PageFunction,
                Pager::PostBack,
            ],
            seed,
            k,
            6,
        ),
    };
    let stated = pick(&[Stated::Total, Stated::None, Stated::Slash], seed, k, 7);
    let first_link = pick(&[FirstLink::Alias, FirstLink::Section], seed, k, 8);
    let years = match family {
        ZooFamily::Trs => pick(
            &[
                YearLayout::Flat,
                YearLayout::SubChannels(YearLabel::DigitsNiandu),
                YearLayout::SubChannels(YearLabel::Hanzi),
                YearLayout::SubChannels(YearLabel::Digits),
                YearLayout::SubChannels(YearLabel::ReportFolder),
                YearLayout::SubChannels(YearLabel::Nianbao),
                YearLayout::SubChannels(YearLabel::NianduBaogao),
            ],
            seed,
            k,
            9,
        ),
        _ => YearLayout::Flat,
    };
    let page_size = pick(&[2usize, 3, 4, 5], seed, k, 10);
    let reports = pick(&[3usize, 4, 5, 6, 7, 8, 9], seed, k, 11);
    let others = pick(&[0usize, 2, 1, 3], seed, k, 12);
    // Sub-channels hold a year's other items too, so that some span more than one page.
    let others = if matches!(years, YearLayout::SubChannels(_)) {
        others + reports * 2
    } else {
        others
    };
    let place = i % 9;
    let level = (i / 9) % 5;
    let round = i / 45;
    let (place, level) = match script {
        Script::Simplified => (PLACES_SIMPLIFIED[place], LEVELS[level]),
        Script::Traditional => (PLACES_TRADITIONAL[place], LEVELS_TRADITIONAL[level]),
    };
    let body = if round == 0 {
        format!("{place}{level}")
    } else {
        format!("{place}{round}{level}")
    };
    let portal_name = match script {
        Script::Simplified => format!("{body}人民政府"),
        Script::Traditional => format!("{body}人民政府網"),
    };
    // UCAP: whether the shell states its page size and the API its total, every combination.
    let ucap_paging = pick(
        &[(true, true), (true, false), (false, true), (false, false)],
        seed,
        k,
        19,
    );
    let mut spec = ZooSpec {
        name: format!("z{i:02}-{}", family_id(family)),
        portal_name,
        body,
        family,
        script,
        charset,
        pager,
        stated,
        first_link,
        next_word: next,
        years,
        year_nav: pick(
            &[YearNav::Links, YearNav::Select, YearNav::Blocks],
            seed,
            k,
            16,
        ),
        page_size,
        group_size: pick(&[1usize, 2, 3], seed, k, 13),
        states_total: pick(&[true, false], seed, k, 14),
        chinese_query: pick(&[true, false], seed, k, 15),
        ucap: UcapStyle {
            channel: pick(
                &[
                    UcapChannel::Query,
                    UcapChannel::Folder,
                    UcapChannel::Script,
                    UcapChannel::ScriptId,
                ],
                seed,
                k,
                17,
            ),
            site_var: pick(&["websiteCode", "webSiteCode"], seed, k, 18),
            states_size: ucap_paging.0,
        },
        items: Vec::new(),
    };
    if family == ZooFamily::Ucap {
        spec.states_total = ucap_paging.1;
    }
    spec.items = items(&spec, reports, others, mix(seed, i as u64));
    spec
}

fn family_id(family: ZooFamily) -> &'static str {
    match family {
        ZooFamily::Asp => "asp",
        ZooFamily::Trs => "trs",
        ZooFamily::Hanweb => "hanweb",
        ZooFamily::TrsXxgk => "xxgk",
        ZooFamily::Gkmlpt => "gkmlpt",
        ZooFamily::Ucap => "ucap",
    }
}

/// One report a year from 2016 on, `others` items of other columns among them; newest first.
fn items(spec: &ZooSpec, reports: usize, others: usize, salt: u64) -> Vec<ZooItem> {
    let sub_channels = matches!(spec.years, YearLayout::SubChannels(_));
    let mut out = Vec::new();
    let mut id = 1000 + (salt % 500) as u32;
    for n in 0..reports {
        let year = 2016 + n as i32;
        let day = 1 + ((salt >> (n % 32)) % 25) as u32;
        out.push(ZooItem {
            id,
            title: report_title(spec, year, n + salt as usize),
            date: NaiveDate::from_ymd_opt(year + 1, 1 + (n as u32 % 3), day)
                .expect("months 1-3 and days 1-25 are valid dates"),
            report_year: Some(year),
            list: sub_channels.then_some(year),
        });
        id += 3 + (salt % 7) as u32;
    }
    for n in 0..others {
        // Other columns' items sit in the years that have reports, so sub-channels get them too.
        let year = 2016 + (n % reports.max(1)) as i32;
        out.push(ZooItem {
            id,
            title: other_title(spec, year, n + salt as usize),
            date: NaiveDate::from_ymd_opt(year + 1, 5 + (n as u32 % 6), 9 + n as u32)
                .expect("months 5-10 and days 9-12 are valid dates"),
            report_year: None,
            list: sub_channels.then_some(year),
        });
        id += 5;
    }
    out.sort_by(|a, b| b.date.cmp(&a.date).then(b.id.cmp(&a.id)));
    out
}

fn report_title(spec: &ZooSpec, year: i32, variant: usize) -> String {
    let body = &spec.body;
    let forms: [String; 3] = match spec.script {
        Script::Simplified => [
            format!("{body}{year}年政府信息公开工作年度报告"),
            format!("{body}{year}年度政府信息公开年度报告"),
            format!("{body}政府信息公开工作年度报告（{year}年）"),
        ],
        Script::Traditional => [
            format!("{body}{year}年政府信息公開工作年度報告"),
            format!("{body}{year}年度政府資訊公開年度報告"),
            format!("{body}政府信息公開工作年度報告（{year}年）"),
        ],
    };
    forms[variant % forms.len()].clone()
}

fn other_title(spec: &ZooSpec, year: i32, variant: usize) -> String {
    let body = &spec.body;
    let forms: [String; 4] = match spec.script {
        Script::Simplified => [
            format!("关于做好{year}年安全生产工作的通知"),
            format!("{body}{year}年政府信息公开工作要点"),
            format!("{body}{year}年国民经济和社会发展统计公报"),
            format!("关于{year}年度部门预算公开的说明"),
        ],
        Script::Traditional => [
            format!("關於做好{year}年安全生產工作的通知"),
            format!("{body}{year}年政府信息公開工作要點"),
            format!("{body}{year}年國民經濟和社會發展統計公報"),
            format!("關於{year}年度部門預算公開的說明"),
        ],
    };
    forms[variant % forms.len()].clone()
}
