//! Traditional characters read as Simplified, for the words nianbao matches: metadata labels,
//! report titles and issuing bodies, the tables' labels and the figures in a report's text. Pages
//! come in Traditional script from portals' Big5 gateways (`/gate/big5/`) and from reports
//! converted with OpenCC; every character of those words is mapped, so a whole conversion table
//! is not needed to read them. Each character keeps its UTF-8 length, so byte offsets found in
//! mapped text hold in the text as printed. Comparing whole texts (the same-report rule) needs
//! every character: [`to_simplified_in_full`] adds a whole conversion table to this one.

/// Traditional forms and their Simplified ones, sorted by the Traditional character. 覆 reads as
/// 复 (答覆 in Hong Kong usage); 祕 as 秘 (OpenCC and Taiwan usage write 國家祕密).
const PAIRS: &[(char, char)] = &[
    ('並', '并'),
    ('佈', '布'),
    ('來', '来'),
    ('個', '个'),
    ('們', '们'),
    ('僅', '仅'),
    ('價', '价'),
    ('內', '内'),
    ('兩', '两'),
    ('冊', '册'),
    ('刪', '删'),
    ('則', '则'),
    ('創', '创'),
    ('劃', '划'),
    ('動', '动'),
    ('務', '务'),
    ('區', '区'),
    ('參', '参'),
    ('員', '员'),
    ('問', '问'),
    ('啟', '启'),
    ('單', '单'),
    ('國', '国'),
    ('圍', '围'),
    ('圖', '图'),
    ('團', '团'),
    ('執', '执'),
    ('報', '报'),
    ('場', '场'),
    ('塊', '块'),
    ('學', '学'),
    ('實', '实'),
    ('審', '审'),
    ('寫', '写'),
    ('將', '将'),
    ('專', '专'),
    ('對', '对'),
    ('導', '导'),
    ('屬', '属'),
    ('師', '师'),
    ('廢', '废'),
    ('廣', '广'),
    ('廳', '厅'),
    ('強', '强'),
    ('後', '后'),
    ('從', '从'),
    ('復', '复'),
    ('態', '态'),
    ('應', '应'),
    ('戶', '户'),
    ('採', '采'),
    ('擊', '击'),
    ('據', '据'),
    ('攔', '拦'),
    ('數', '数'),
    ('斷', '断'),
    ('於', '于'),
    ('時', '时'),
    ('暫', '暂'),
    ('書', '书'),
    ('會', '会'),
    ('東', '东'),
    ('條', '条'),
    ('業', '业'),
    ('構', '构'),
    ('樂', '乐'),
    ('標', '标'),
    ('機', '机'),
    ('檔', '档'),
    ('檢', '检'),
    ('權', '权'),
    ('歲', '岁'),
    ('決', '决'),
    ('沒', '没'),
    ('況', '况'),
    ('減', '减'),
    ('濟', '济'),
    ('瀏', '浏'),
    ('為', '为'),
    ('無', '无'),
    ('熱', '热'),
    ('爲', '为'),
    ('牆', '墙'),
    ('獲', '获'),
    ('現', '现'),
    ('環', '环'),
    ('產', '产'),
    ('當', '当'),
    ('發', '发'),
    ('監', '监'),
    ('確', '确'),
    ('碼', '码'),
    ('祕', '秘'),
    ('稅', '税'),
    ('稱', '称'),
    ('穩', '稳'),
    ('範', '范'),
    ('簡', '简'),
    ('糾', '纠'),
    ('紀', '纪'),
    ('納', '纳'),
    ('級', '级'),
    ('組', '组'),
    ('結', '结'),
    ('統', '统'),
    ('經', '经'),
    ('維', '维'),
    ('網', '网'),
    ('編', '编'),
    ('縣', '县'),
    ('總', '总'),
    ('織', '织'),
    ('繳', '缴'),
    ('繼', '继'),
    ('續', '续'),
    ('罰', '罚'),
    ('聞', '闻'),
    ('聯', '联'),
    ('聲', '声'),
    ('職', '职'),
    ('脅', '胁'),
    ('與', '与'),
    ('舉', '举'),
    ('萬', '万'),
    ('薦', '荐'),
    ('處', '处'),
    ('號', '号'),
    ('補', '补'),
    ('製', '制'),
    ('複', '复'),
    ('覆', '复'),
    ('見', '见'),
    ('規', '规'),
    ('覽', '览'),
    ('計', '计'),
    ('訊', '讯'),
    ('訓', '训'),
    ('記', '记'),
    ('訟', '讼'),
    ('訪', '访'),
    ('設', '设'),
    ('許', '许'),
    ('訴', '诉'),
    ('評', '评'),
    ('詞', '词'),
    ('詢', '询'),
    ('話', '话'),
    ('認', '认'),
    ('誤', '误'),
    ('說', '说'),
    ('説', '说'),
    ('談', '谈'),
    ('請', '请'),
    ('論', '论'),
    ('講', '讲'),
    ('證', '证'),
    ('議', '议'),
    ('護', '护'),
    ('讀', '读'),
    ('負', '负'),
    ('財', '财'),
    ('責', '责'),
    ('費', '费'),
    ('資', '资'),
    ('購', '购'),
    ('載', '载'),
    ('輯', '辑'),
    ('輸', '输'),
    ('轉', '转'),
    ('辦', '办'),
    ('這', '这'),
    ('連', '连'),
    ('進', '进'),
    ('過', '过'),
    ('適', '适'),
    ('鄉', '乡'),
    ('錄', '录'),
    ('鍵', '键'),
    ('鎮', '镇'),
    ('鏈', '链'),
    ('長', '长'),
    ('門', '门'),
    ('開', '开'),
    ('間', '间'),
    ('閱', '阅'),
    ('閲', '阅'),
    ('關', '关'),
    ('隊', '队'),
    ('際', '际'),
    ('險', '险'),
    ('雲', '云'),
    ('電', '电'),
    ('頁', '页'),
    ('項', '项'),
    ('預', '预'),
    ('頻', '频'),
    ('題', '题'),
    ('額', '额'),
    ('類', '类'),
    ('風', '风'),
    ('館', '馆'),
    ('驗', '验'),
    ('體', '体'),
    ('點', '点'),
    ('龍', '龙'),
];

/// The Simplified form of `c`, or `c`.
pub fn simplified(c: char) -> char {
    match PAIRS.binary_search_by_key(&c, |(t, _)| *t) {
        Ok(i) => PAIRS[i].1,
        Err(_) => c,
    }
}

/// `text` with every Traditional character of the table read as Simplified.
pub fn to_simplified(text: &str) -> String {
    text.chars().map(simplified).collect()
}

/// `text` read as Simplified in full: every Traditional character the conversion table knows
/// (some 2,700, place names' such as 綜合實驗區 too), then the vocabulary table above (覆 as 复).
/// For comparing texts (the same-report rule), not for what is archived or shown: the table reads
/// a few characters that Simplified text also uses (乾 in 乾隆 kept, 乾淨 as 干净) by their
/// neighbours, and keeps one character for one. The characters of Simplified text the table
/// reads as others ([`SIMPLIFIED_TOO`]) are left as they are.
pub fn to_simplified_in_full(text: &str) -> String {
    text.chars()
        .zip(fast2s::convert(text).chars())
        .map(|(was, read)| {
            if SIMPLIFIED_TOO.contains(&was) {
                was
            } else {
                read
            }
        })
        .map(simplified)
        .collect()
}

/// Characters Simplified text writes (the standard forms of 磐安县, 捍卫, 彷徨, 黏, 阪 …) that
/// the whole conversion table reads as others: left alone, so a Simplified report reads in full
/// as it read before the table, and the keys and fingerprints stored for it still hold.
const SIMPLIFIED_TOO: &[char] = &[
    '磐', '仝', '矽', '薰', '彷', '捍', '呵', '呱', '黏', '煅', '醯', '吒', '疋', '祗', '甯', '阪',
    '麴',
];

/// The Traditional characters read as `c`.
pub fn traditional_forms(c: char) -> impl Iterator<Item = char> {
    PAIRS.iter().filter(move |(_, s)| *s == c).map(|(t, _)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_sorted_once_and_keep_utf8_length() {
        assert!(PAIRS.windows(2).all(|w| w[0].0 < w[1].0));
        for (t, s) in PAIRS {
            assert_eq!(t.len_utf8(), s.len_utf8(), "{t}");
            assert_ne!(t, s);
        }
    }

    #[test]
    fn maps_both_ways() {
        assert_eq!(
            "主動公開政府信息1580條鄉鎮"
                .chars()
                .map(simplified)
                .collect::<String>(),
            "主动公开政府信息1580条乡镇"
        );
        assert_eq!(traditional_forms('复').collect::<String>(), "復複覆");
        assert_eq!(simplified('a'), 'a');
    }

    /// In full: characters outside the vocabulary too, the vocabulary's own readings kept, and
    /// Simplified text as it was (an archived report's stored fingerprint stays valid).
    #[test]
    fn reads_traditional_in_full_and_leaves_simplified_alone() {
        assert_eq!(
            to_simplified_in_full("平潭綜合實驗區管委會辦公室答覆：2024年，無收取信息處理費"),
            "平潭综合实验区管委会办公室答复:2024年,无收取信息处理费"
                .replace(':', "：")
                .replace(',', "，")
        );
        for name in ["alashankou-2024-report.txt", "artux-2017-report.txt"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../shared/sample-reports")
                .join(name);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(to_simplified_in_full(&text), text, "{name}");
        }
    }

    /// Characters of Simplified text the whole table would read as others (磐安县, 捍卫, 彷徨)
    /// are left as they are: a Simplified report's title, body and text read as the version
    /// before the whole table read them, so the keys and fingerprints it stored still hold.
    #[test]
    fn simplified_characters_the_table_also_maps_are_left_alone() {
        for text in [
            "磐安县人民政府2023年政府信息公开工作年度报告",
            "磐石市捍卫仝矽薰彷徨呵呱黏煅醯吒疋祗甯阪麴",
        ] {
            assert_eq!(to_simplified_in_full(text), text);
        }
        assert_eq!(to_simplified_in_full("磐安縣人民政府"), "磐安县人民政府");
    }

    proptest::proptest! {
        /// Any text, in any script and of any bytes a page decodes to, reads in full without a
        /// panic, one character for one, and what is not Han is left as it was.
        #[test]
        fn any_text_reads_in_full(text in "\\PC{0,300}", han in "[\\u{3400}-\\u{9fff}]{0,200}") {
            for text in [&text, &han, &format!("{han}{text}{han}")] {
                let read = to_simplified_in_full(text);
                proptest::prop_assert_eq!(read.chars().count(), text.chars().count());
                for (a, b) in text.chars().zip(read.chars()) {
                    if !('\u{3400}'..='\u{9fff}').contains(&a) && !('\u{f900}'..='\u{faff}').contains(&a) {
                        proptest::prop_assert_eq!(a, b);
                    }
                }
            }
        }
    }
}
