//! Titles for extract: the article part of a `<title>` element, without the site's name that
//! portals glue to it (`…通知-湖北省市场监督管理局`, `…_阿图什市人民政府`, `… - 中国宜春`).

use super::issuer;

/// The article part of a `<title>`: split on `_`, `|` and spaced dashes and keep the longest part
/// that is not the site; then drop a site name glued on with a bare dash (`…通知-湖北省…局`,
/// `阿勒泰市人民政府—…`).
pub(crate) fn trim_site_name(title: &str, site_names: &[&str]) -> Option<String> {
    let is_site = |part: &str| {
        let part = part.trim();
        let n = part.chars().count();
        site_names.iter().any(|s| s.trim() == part)
            || ((part.ends_with('网') || part.ends_with("网站")) && n <= 20)
            // A site named after its body (`-沭阳县发改局`, `_阿图什市人民政府`, ` - 中国宜春`).
            || (issuer::is_body_name(part) && n <= 16)
            || (part.starts_with("中国") && n <= 6)
    };
    let strong = title
        .replace(" - ", "_")
        .replace(" — ", "_")
        .replace(" – ", "_")
        .replace(" －", "_")
        .replace('|', "_");
    let best = strong
        .split('_')
        .map(str::trim)
        .filter(|p| !p.is_empty() && !is_site(p))
        .max_by_key(|p| p.chars().count())?;
    let mut kept = best;
    while let Some((head, tail)) = kept.rsplit_once(WEAK_DASHES) {
        let head = head.trim_end_matches(WEAK_DASHES);
        if head.trim().is_empty() || !is_site(tail) {
            break;
        }
        kept = head;
    }
    while let Some((head, tail)) = kept.split_once(WEAK_DASHES) {
        let tail = tail.trim_start_matches(WEAK_DASHES);
        if tail.trim().is_empty() || !is_site(head) {
            break;
        }
        kept = tail;
    }
    let kept = kept.trim();
    (!kept.is_empty()).then(|| kept.to_string())
}

/// Dashes that join a site name to a title with no gap: `-`, `－`, and the em dash, alone or
/// doubled (`阿勒泰市人民政府—…`, `…——某某网`).
const WEAK_DASHES: [char; 3] = ['-', '－', '—'];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_tags_lose_the_site_name() {
        let sites = ["湖北省市场监督管理局", "山西省人民政府门户网站"];
        let cases = [
            (
                "关于开展专项行动的通知-湖北省市场监督管理局",
                Some("关于开展专项行动的通知"),
            ),
            (
                "山西品牌丝路行（南美站）正式启动 - 山西省人民政府门户网站 ",
                Some("山西品牌丝路行（南美站）正式启动"),
            ),
            (
                "关于批准财政部发行特别国债购买外汇的决议__2007年第23号国务院公报_中国政府网",
                Some("关于批准财政部发行特别国债购买外汇的决议"),
            ),
            (
                "业务公告_市场监管业务_甘肃省市场监督管理局国产保健食品备案信息查询",
                Some("甘肃省市场监督管理局国产保健食品备案信息查询"),
            ),
            (
                "1-10月德清县固定资产投资结构趋稳趋优",
                Some("1-10月德清县固定资产投资结构趋稳趋优"),
            ),
            (
                "湖北省市场监督管理局 | 2017年度政府信息公开年度报告",
                Some("2017年度政府信息公开年度报告"),
            ),
            ("中国政府网", None),
            (
                "阿勒泰市人民政府—阿勒泰市2022年政府信息公开工作年度报告",
                Some("阿勒泰市2022年政府信息公开工作年度报告"),
            ),
            (
                "阿勒泰市人民政府——阿勒泰市2022年政府信息公开工作年度报告",
                Some("阿勒泰市2022年政府信息公开工作年度报告"),
            ),
            (
                "阿勒泰市2022年政府信息公开工作年度报告——阿勒泰市人民政府",
                Some("阿勒泰市2022年政府信息公开工作年度报告"),
            ),
            (
                "阿勒泰市人民政府—阿勒泰市2022年政府資訊公開工作年度報告",
                Some("阿勒泰市2022年政府資訊公開工作年度報告"),
            ),
            (
                "关于印发2023年工作要点的通知-沭阳县发改局",
                Some("关于印发2023年工作要点的通知"),
            ),
            (
                "阿图什市2017年度政府信息公开年度报告_阿图什市人民政府",
                Some("阿图什市2017年度政府信息公开年度报告"),
            ),
            (
                "宜春市2022年国民经济和社会发展统计公报 - 中国宜春",
                Some("宜春市2022年国民经济和社会发展统计公报"),
            ),
        ];
        for (title, want) in cases {
            assert_eq!(trim_site_name(title, &sites).as_deref(), want, "{title}");
        }
    }
}
