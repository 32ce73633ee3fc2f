//! Attachment-only reports, as county and township portals publish them: the item page says
//! 见附件, and the report itself is a PDF whose text is in an unembedded Adobe-GB1 font
//! (STSong-Light) through the predefined CMap `UniGB-UCS2-H`, with no ToUnicode, the kind
//! OFD-to-PDF converters make. Only a reader with the Adobe CMaps gets its text out.

use crate::DocSpec;

/// The item page's whole body.
pub(crate) fn item_body(spec: &DocSpec) -> String {
    format!(
        "<p style=\"text-indent:2em;\">{}全文见附件。</p>\n",
        spec.title
    )
}

/// The report's lines: its title and the national template's headings.
pub(crate) fn report_lines(spec: &DocSpec, id: u32) -> Vec<String> {
    let year = spec.report_year.unwrap_or(2023);
    vec![
        spec.title.clone(),
        "一、总体情况".into(),
        format!("{year}年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》。"),
        "二、主动公开政府信息情况".into(),
        "三、收到和处理政府信息公开申请情况".into(),
        "四、政府信息公开行政复议、行政诉讼情况".into(),
        "五、存在的主要问题及改进情况".into(),
        "六、其他需要报告的事项".into(),
        format!("文档编号 {id}"),
    ]
}

/// The report as a one-page PDF with a CID font and a predefined CMap.
pub(crate) fn report_pdf(spec: &DocSpec, id: u32) -> Vec<u8> {
    let mut content = String::from("BT /F1 14 Tf 60 780 Td 20 TL\n");
    for line in report_lines(spec, id) {
        let hex: String = line
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .map(|b| format!("{b:02X}"))
            .collect();
        content.push_str(&format!("<{hex}> Tj T*\n"));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>".to_string(),
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R /DW 1000 >>".to_string(),
        "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{obj}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    let size = objects.len() + 1;
    out.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f \n").as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}
