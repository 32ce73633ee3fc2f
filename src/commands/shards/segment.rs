//! One feed segment copied to shared storage (`feed/<label>/<segment>.jsonl`), read for
//! `--all-shards`: its export records, one a line, and the lines that are none (a cut write,
//! another version's record, a bit flip, bytes that are no UTF-8) counted and skipped, so one
//! shard's damaged line hides nothing else.

use crate::export::ExportRecord;

/// The lines of one segment that were not export records: how many, and the first of them.
#[derive(Debug, PartialEq)]
pub(super) struct Skipped {
    pub lines: u64,
    /// 1-based, as editors count.
    pub first_line: u64,
    pub first_why: String,
}

impl Skipped {
    /// The one warning for the segment at `url`.
    pub fn describe(&self, url: &str) -> String {
        let lines = if self.lines == 1 { "line" } else { "lines" };
        format!(
            "skipped {} {lines} of {url} that are not export records; the first, line {}: {}",
            self.lines, self.first_line, self.first_why
        )
    }
}

/// Hands each export record of a segment's bytes to `each`, in order, as it is read (a
/// segment's records are never all held at once), and says the lines skipped, if any. Empty
/// lines are no records and not counted.
pub(super) fn records(bytes: &[u8], mut each: impl FnMut(ExportRecord)) -> Option<Skipped> {
    let mut skipped: Option<Skipped> = None;
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<ExportRecord>(line) {
            Ok(record) => each(record),
            Err(e) => match &mut skipped {
                Some(s) => s.lines = s.lines.saturating_add(1),
                None => {
                    skipped = Some(Skipped {
                        lines: 1,
                        first_line: u64::try_from(index).map_or(u64::MAX, |i| i.saturating_add(1)),
                        first_why: e.to_string(),
                    })
                }
            },
        }
    }
    skipped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::tests::record;

    /// The records of `bytes`, in order, and the lines skipped.
    fn read(bytes: &[u8]) -> (Vec<ExportRecord>, Option<Skipped>) {
        let mut read = Vec::new();
        let skipped = records(bytes, |r| read.push(r));
        (read, skipped)
    }

    fn good(id: &str) -> (ExportRecord, String) {
        let r = record("p", id, 1, "某某县人民政府", 2021, "2022-02-01");
        let line = serde_json::to_string(&r).expect("a record serialises");
        (r, line)
    }

    /// Good records are kept in order around a cut line, another version's record, bytes that
    /// are no UTF-8 and a long garbage line; the skipped are counted, the first named by line.
    #[test]
    fn damaged_lines_are_counted_and_the_rest_kept() {
        let (a, a_line) = good("d1");
        let (b, b_line) = good("d2");
        let cut = &a_line.as_bytes()[..a_line.len() / 2];
        let mut bytes = Vec::new();
        for line in [
            a_line.as_bytes(),
            b"",
            cut,
            b"{\"version\":99}",
            b"\xff\xfe\x00",
            &vec![b'x'; 1 << 20],
            b_line.as_bytes(),
        ] {
            bytes.extend_from_slice(line);
            bytes.push(b'\n');
        }
        let (records, skipped) = read(&bytes);
        assert_eq!(records, vec![a, b]);
        let skipped = skipped.expect("lines skipped");
        assert_eq!((skipped.lines, skipped.first_line), (4, 3));
        let said = skipped.describe("file:///shared/feed/b/1.jsonl");
        assert!(
            said.contains("skipped 4 lines of file:///shared/feed/b/1.jsonl")
                && said.contains("the first, line 3: "),
            "{said}"
        );
        assert_eq!(read(b""), (Vec::new(), None));
    }

    proptest::proptest! {
        /// A segment of good lines with bytes changed, cut or added anywhere never panics, and
        /// every line left untouched is still read.
        #[test]
        fn mutated_segments_keep_their_untouched_lines(
            damaged in proptest::collection::vec(proptest::option::of((
                proptest::collection::vec(proptest::num::u8::ANY, 0..40),
                proptest::num::usize::ANY,
            )), 1..8)
        ) {
            let mut bytes = Vec::new();
            let mut untouched = Vec::new();
            for (i, damage) in damaged.iter().enumerate() {
                let (r, line) = good(&format!("d{i}"));
                let mut line = line.into_bytes();
                match damage {
                    None => untouched.push(r),
                    Some((junk, at)) => {
                        let at = at % line.len();
                        line.truncate(at);
                        line.extend(junk.iter().filter(|&&b| b != b'\n'));
                    }
                }
                bytes.extend_from_slice(&line);
                bytes.push(b'\n');
            }
            let (records, _) = read(&bytes);
            // A damaged line may still read as a record (junk that is JSON whitespace): the
            // untouched ones are there, in order.
            let mut kept = records.iter();
            for r in &untouched {
                proptest::prop_assert!(kept.any(|k| k == r), "{} lost", r.id);
            }
        }
    }
}
