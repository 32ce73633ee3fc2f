//! Document files made in the tests: PDFs written byte by byte (CID fonts with predefined
//! CMaps, an image-only "scan"), DOCX and OFD zips, a zip bomb, spreadsheets (`sheets`). See
//! tests/fixtures/attachments/README.md for the files made with LibreOffice.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress
#![allow(dead_code)]

pub mod sheets;

use std::io::Write;
use std::path::PathBuf;

/// The lines of a small annual report, with the template's headings.
pub const REPORT_LINES: &[&str] = &[
    "集安市花甸镇2023年政府信息公开工作年度报告",
    "一、总体情况",
    "本报告由花甸镇人民政府编制。",
    "二、主动公开政府信息情况",
    "行政规范性文件 12 件",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
];

/// The headings of `REPORT_LINES`, as the quality measure names them.
pub const REPORT_LABELS: &[&str] = &[
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议",
    "存在的主要问题及改进情况",
    "其他需要报告的事项",
];

/// How the text of a hand-written PDF is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CidEncoding {
    /// Predefined CMap `UniGB-UCS2-H` (UTF-16BE codes), no ToUnicode.
    UniGbUcs2H,
    /// Predefined CMap `GBK-EUC-H` (GBK bytes), no ToUnicode.
    GbkEucH,
    /// `Identity-H` with a ToUnicode CMap (what most PDF writers make).
    IdentityHToUnicode,
}

impl CidEncoding {
    pub const ALL: [CidEncoding; 3] = [
        CidEncoding::UniGbUcs2H,
        CidEncoding::GbkEucH,
        CidEncoding::IdentityHToUnicode,
    ];

    fn cmap_name(self) -> &'static str {
        match self {
            CidEncoding::UniGbUcs2H => "UniGB-UCS2-H",
            CidEncoding::GbkEucH => "GBK-EUC-H",
            CidEncoding::IdentityHToUnicode => "Identity-H",
        }
    }
}

/// A one-page PDF whose text is `lines` in an unembedded Adobe-GB1 CID font (STSong-Light),
/// encoded as `encoding` says.
pub fn cid_pdf(encoding: CidEncoding, lines: &[&str]) -> Vec<u8> {
    let mut cids: Vec<char> = Vec::new();
    let mut content = String::from("BT /F1 14 Tf 60 780 Td 20 TL\n");
    for line in lines {
        let code: Vec<u8> = match encoding {
            CidEncoding::UniGbUcs2H => line.encode_utf16().flat_map(u16::to_be_bytes).collect(),
            CidEncoding::GbkEucH => encoding_rs::GBK.encode(line).0.into_owned(),
            CidEncoding::IdentityHToUnicode => line
                .chars()
                .flat_map(|c| {
                    let cid = match cids.iter().position(|k| *k == c) {
                        Some(i) => i + 1,
                        None => {
                            cids.push(c);
                            cids.len()
                        }
                    } as u16;
                    cid.to_be_bytes()
                })
                .collect(),
        };
        content.push_str(&format!("<{}> Tj T*\n", hex(&code)));
    }
    content.push_str("ET\n");
    let to_unicode = (encoding == CidEncoding::IdentityHToUnicode).then(|| {
        let mut cmap = String::from(
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n\
             1 begincodespacerange <0000> <FFFF> endcodespacerange\n",
        );
        for chunk in cids.chunks(100).enumerate() {
            let (start, chunk) = chunk;
            cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
            for (i, c) in chunk.iter().enumerate() {
                let cid = (start * 100 + i + 1) as u16;
                let unicode: Vec<u8> = c
                    .to_string()
                    .encode_utf16()
                    .flat_map(u16::to_be_bytes)
                    .collect();
                cmap.push_str(&format!(
                    "<{}> <{}>\n",
                    hex(&cid.to_be_bytes()),
                    hex(&unicode)
                ));
            }
            cmap.push_str("endbfchar\n");
        }
        cmap.push_str("endcmap CMapName currentdict /CMap defineresource pop end end\n");
        cmap
    });
    let mut pdf = PdfWriter::new();
    pdf.object("<< /Type /Catalog /Pages 2 0 R >>");
    pdf.object("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    pdf.object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>");
    pdf.stream("", content.as_bytes());
    let to_unicode_ref = if to_unicode.is_some() {
        " /ToUnicode 8 0 R"
    } else {
        ""
    };
    pdf.object(&format!(
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /{} /DescendantFonts [6 0 R]{to_unicode_ref} >>",
        encoding.cmap_name()
    ));
    pdf.object("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R /DW 1000 >>");
    pdf.object("<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>");
    if let Some(cmap) = to_unicode {
        pdf.stream("", cmap.as_bytes());
    }
    pdf.finish()
}

/// A two-page PDF of grey images and no text: what a scanner makes.
pub fn scanned_pdf() -> Vec<u8> {
    let mut pdf = PdfWriter::new();
    pdf.object("<< /Type /Catalog /Pages 2 0 R >>");
    pdf.object("<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>");
    for _ in 0..2 {
        pdf.object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 6 0 R >> >> /Contents 5 0 R >>");
    }
    pdf.stream("", b"q 495 0 0 742 50 50 cm /Im1 Do Q\n");
    let pixels: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37)).collect();
    pdf.stream(
        " /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8",
        &pixels,
    );
    pdf.finish()
}

/// Objects numbered from 1 in the order added, with a correct cross-reference table.
struct PdfWriter {
    out: Vec<u8>,
    offsets: Vec<usize>,
}

impl PdfWriter {
    fn new() -> PdfWriter {
        PdfWriter {
            out: b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec(),
            offsets: Vec::new(),
        }
    }

    fn object(&mut self, body: &str) {
        self.offsets.push(self.out.len());
        let n = self.offsets.len();
        self.out
            .extend_from_slice(format!("{n} 0 obj\n{body}\nendobj\n").as_bytes());
    }

    fn stream(&mut self, dict_extra: &str, data: &[u8]) {
        self.offsets.push(self.out.len());
        let n = self.offsets.len();
        self.out.extend_from_slice(
            format!(
                "{n} 0 obj\n<<{dict_extra} /Length {} >>\nstream\n",
                data.len()
            )
            .as_bytes(),
        );
        self.out.extend_from_slice(data);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
    }

    fn finish(mut self) -> Vec<u8> {
        let xref = self.out.len();
        let n = self.offsets.len() + 1;
        let mut table = format!("xref\n0 {n}\n0000000000 65535 f \n");
        for offset in &self.offsets {
            table.push_str(&format!("{offset:010} 00000 n \n"));
        }
        table.push_str(&format!(
            "trailer\n<< /Size {n} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        ));
        self.out.extend_from_slice(table.as_bytes());
        self.out
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A zip of `(name, bytes)` entries, deflated.
pub fn zip(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        writer.start_file(*name, options).expect("zip entry starts");
        writer.write_all(bytes).expect("zip entry written");
    }
    writer.finish().expect("zip finishes").into_inner()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A minimal DOCX whose paragraphs are `lines` (each split over two runs).
pub fn docx(lines: &[&str]) -> Vec<u8> {
    let mut body = String::new();
    for line in lines {
        let split = line.char_indices().nth(2).map_or(line.len(), |(i, _)| i);
        body.push_str(&format!(
            "<w:p><w:r><w:t>{}</w:t></w:r><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
            xml_escape(&line[..split]),
            xml_escape(&line[split..])
        ));
    }
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    zip(&[
        ("[Content_Types].xml", b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>".to_vec()),
        ("word/document.xml", document.into_bytes()),
    ])
}

/// A minimal OFD: `pages` pages, each with `lines` as TextObjects, one TextCode per line (the
/// first line of each page split into two TextCodes on one baseline).
pub fn ofd(pages: &[&[&str]]) -> Vec<u8> {
    let mut entries = vec![
        ("OFD.xml".to_string(), b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\" DocType=\"OFD\" Version=\"1.0\"><ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>".to_vec()),
        ("Doc_0/Document.xml".to_string(), b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Document xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:CommonData><ofd:MaxUnitID>99</ofd:MaxUnitID></ofd:CommonData><ofd:Pages></ofd:Pages></ofd:Document>".to_vec()),
    ];
    for (p, lines) in pages.iter().enumerate() {
        let mut objects = String::new();
        for (i, line) in lines.iter().enumerate() {
            let y = 20 + i * 10;
            let codes = if i == 0 && line.chars().count() > 2 {
                let split = line.char_indices().nth(2).map_or(line.len(), |(k, _)| k);
                format!(
                    "<ofd:TextCode X=\"0\" Y=\"5\">{}</ofd:TextCode><ofd:TextCode X=\"10\" Y=\"5\">{}</ofd:TextCode>",
                    xml_escape(&line[..split]),
                    xml_escape(&line[split..])
                )
            } else {
                format!(
                    "<ofd:TextCode X=\"0\" Y=\"5\">{}</ofd:TextCode>",
                    xml_escape(line)
                )
            };
            objects.push_str(&format!(
                "<ofd:TextObject ID=\"{}\" Boundary=\"20 {y} 170 8\" Font=\"3\" Size=\"4\">{codes}</ofd:TextObject>",
                10 + i
            ));
        }
        let content = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Page xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:Content><ofd:Layer ID=\"2\">{objects}</ofd:Layer></ofd:Content></ofd:Page>"
        );
        entries.push((
            format!("Doc_0/Pages/Page_{p}/Content.xml"),
            content.into_bytes(),
        ));
    }
    let borrowed: Vec<(&str, Vec<u8>)> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    zip(&borrowed)
}

/// A DOCX-looking zip whose `word/document.xml` inflates to `inflated` bytes of zeros.
pub fn zip_bomb(inflated: usize) -> Vec<u8> {
    zip(&[
        ("[Content_Types].xml", b"<Types/>".to_vec()),
        ("word/document.xml", vec![b' '; inflated]),
    ])
}

/// The committed fixtures made with LibreOffice.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/attachments")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

/// Text with all whitespace removed and full-width ASCII folded to ASCII (poppler maps the
/// one-byte codes of GBK-EUC-H to full-width forms), for comparing extracted text with what
/// was written.
pub fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// Whether an external tool is on PATH; prints why a test is skipped when not.
pub fn have_tool(name: &str, test: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()));
    if !found {
        eprintln!(
            "SKIPPED {test}: {name} is not installed (Debian: poppler-utils and poppler-data)"
        );
    }
    found
}

/// Stores `body` in a fresh archive and derives its text as the crawl does.
pub fn derive_stored(
    body: &[u8],
    tools: &nianbao::text::Tools,
) -> (
    tempfile::TempDir,
    Option<nianbao::text::TextInfo>,
    Option<String>,
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = nianbao::archive::Archive::open(dir.path()).expect("archive opens");
    let blob = archive.store(body).expect("raw file stored");
    let info = nianbao::text::derive_and_store(&archive, tools, &blob.sha256, &blob.raw_path, None);
    let text = info
        .as_ref()
        .and_then(|i| i.text_path.as_ref())
        .map(|p| std::fs::read_to_string(dir.path().join(p)).expect("text file is UTF-8"));
    if let Some(info) = &info {
        assert_eq!(
            archive
                .read_verified(&blob.raw_path, &blob.sha256)
                .expect("raw file still there"),
            body,
            "the raw file is never replaced"
        );
        if let Some(path) = &info.text_path {
            assert_eq!(
                path,
                &format!("text/{}/{}.txt", &blob.sha256[..2], blob.sha256)
            );
        }
    }
    (dir, info, text)
}

/// A file of every format whose text nianbao reads itself (the PDF tool's is a subprocess
/// anyway): DOCX, OFD, XLSX, XLS, ODS, RTF, Word XML, a ZIP of a DOCX and an XLSX, DOC, and
/// Word 2003 XML under `.doc`.
pub fn in_process_formats() -> Vec<Vec<u8>> {
    use sheets::{Sheet, ods, xls, xlsx};
    let mut sheet = Sheet::new(
        "三、收到和处理政府信息公开申请情况",
        vec![
            vec!["本列数据的勾稽关系".into(), "自然人".into(), "总计".into()],
            vec![
                "一、本年新收政府信息公开申请数量".into(),
                "12".into(),
                "12".into(),
            ],
            vec!["".into(), "date:45306".into(), "3.5".into()],
        ],
    );
    sheet.merges.push((0, 0, 1, 0));
    let rtf = "{\\rtf1\\ansi\\ansicpg936{\\fonttbl{\\f0\\fcharset134 \\'cb\\'ce\\'cc\\'e5;}}\
               {\\*\\generator x;}{\\info{\\title t}}\\f0\\fs24 \\'d2\\'bb\\'a1\\'a2{\\b \\u24635?\\u20307?}\\par\
               {\\field{\\*\\fldinst HYPERLINK \"x\"}{\\fldrslt \\'c4\\'ea}}\\par}";
    let word_xml = "<?xml version=\"1.0\" encoding=\"GB2312\"?><w:wordDocument \
                    xmlns:w=\"http://schemas.microsoft.com/office/word/2003/wordml\"><w:body><w:p><w:r>\
                    <w:t>2022年度报告</w:t></w:r></w:p></w:body></w:wordDocument>";
    vec![
        docx(REPORT_LINES),
        ofd(&[REPORT_LINES]),
        xlsx(std::slice::from_ref(&sheet)),
        xls(std::slice::from_ref(&sheet)),
        ods(std::slice::from_ref(&sheet)),
        rtf.as_bytes().to_vec(),
        word_xml.as_bytes().to_vec(),
        zip(&[
            ("年报.docx", docx(REPORT_LINES)),
            ("统计表.xlsx", xlsx(std::slice::from_ref(&sheet))),
        ]),
        fixture("report.doc"),
        fixture("report-word2003-xml.doc"),
    ]
}
