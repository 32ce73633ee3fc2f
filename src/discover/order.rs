//! The order of a list page's entries by the dates printed beside them: newest first (where the
//! nightly crawl's stop at known items is sound), oldest first (new reports land on the last
//! page), or no date order at all (sorted by title, or shuffled: a new report may land on any
//! page). Pure: the page's entries in, an order out.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::ListItem;

/// How a list orders its entries, as its dates show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListOrder {
    NewestFirst,
    OldestFirst,
    /// Neither: by title, by department, or shuffled.
    Unordered,
}

/// Steps between entries of different dates a page must show before its order is judged: a
/// page of two or three dated entries says nothing.
const MIN_STEPS: usize = 4;

/// Entries pinned (置顶) above a newest-first list that the judgement passes over: old reports
/// or guides kept on top, out of the list's order.
const MAX_PINNED: usize = 3;

/// The order of a page's entries by their dates; `None` when too few dated entries of different
/// dates tell. A page is newest first when, its first `MAX_PINNED` entries or fewer left out,
/// at least two steps in three go to an older date; oldest first when, all entries counted,
/// two steps in three go to a newer one; else in no date order.
pub fn order_of(items: &[ListItem]) -> Option<ListOrder> {
    let dates: Vec<chrono::NaiveDate> = items.iter().filter_map(|i| i.date).collect();
    let steps = |dates: &[chrono::NaiveDate]| {
        dates
            .windows(2)
            .fold((0usize, 0usize), |(older, newer), pair| {
                match pair[0].cmp(&pair[1]) {
                    Ordering::Greater => (older + 1, newer),
                    Ordering::Less => (older, newer + 1),
                    Ordering::Equal => (older, newer),
                }
            })
    };
    let (older, newer) = steps(&dates);
    if older + newer < MIN_STEPS {
        return None;
    }
    let newest_first = (0..=MAX_PINNED.min(dates.len())).any(|pinned| {
        let (older, newer) = steps(&dates[pinned..]);
        older + newer >= MIN_STEPS && older >= 2 * newer
    });
    Some(if newest_first {
        ListOrder::NewestFirst
    } else if newer >= 2 * older {
        ListOrder::OldestFirst
    } else {
        ListOrder::Unordered
    })
}

/// The order a list's pages show together: the first page's, until a page contradicts it.
pub fn combine(list: Option<ListOrder>, page: Option<ListOrder>) -> Option<ListOrder> {
    match (list, page) {
        (None, page) => page,
        (list, None) => list,
        (Some(a), Some(b)) if a == b => Some(a),
        _ => Some(ListOrder::Unordered),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(days: &[Option<u32>]) -> Vec<ListItem> {
        days.iter()
            .enumerate()
            .map(|(i, day)| ListItem {
                url: url::Url::parse(&format!("http://127.0.0.1/art/{i}.html")).expect("URL"),
                title: None,
                date: day.map(|d| {
                    chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date")
                        + chrono::Days::new(u64::from(d))
                }),
                fields: Vec::new(),
            })
            .collect()
    }

    /// A case's name, the days after 2020-01-01 its entries show (None: undated), its order.
    type Case<'a> = (&'a str, &'a [Option<u32>], Option<ListOrder>);

    #[test]
    fn a_page_is_judged_by_the_steps_between_its_dates() {
        use ListOrder::*;
        let s = Some;
        let cases: &[Case] = &[
            (
                "newest first",
                &[s(9), s(8), s(7), s(6), s(5), s(4)],
                Some(NewestFirst),
            ),
            (
                "two pinned above",
                &[s(1), s(2), s(9), s(8), s(7), s(6), s(5)],
                Some(NewestFirst),
            ),
            (
                "three pinned, a short page",
                &[s(1), s(2), s(3), s(9), s(8), s(7), s(6), s(5)],
                Some(NewestFirst),
            ),
            (
                "one step out of order",
                &[s(9), s(8), s(7), s(8), s(6), s(5), s(4), s(3)],
                Some(NewestFirst),
            ),
            (
                "oldest first",
                &[s(1), s(2), s(3), s(4), s(5), s(6)],
                Some(OldestFirst),
            ),
            (
                "shuffled",
                &[s(5), s(1), s(7), s(2), s(9), s(3), s(8)],
                Some(Unordered),
            ),
            (
                "runs of titles",
                &[s(1), s(10), s(11), s(2), s(20), s(21), s(3), s(30)],
                Some(OldestFirst),
            ),
            ("too few dates", &[s(3), s(2), None, None, s(1)], None),
            ("one day", &[s(3), s(3), s(3), s(3), s(3), s(3)], None),
            ("no dates", &[None, None, None], None),
            ("empty", &[], None),
        ];
        for (name, days, want) in cases {
            assert_eq!(order_of(&page(days)), *want, "{name}");
        }
    }

    #[test]
    fn a_page_that_contradicts_the_list_leaves_it_in_no_order() {
        use ListOrder::*;
        assert_eq!(combine(None, Some(OldestFirst)), Some(OldestFirst));
        assert_eq!(combine(Some(NewestFirst), None), Some(NewestFirst));
        assert_eq!(
            combine(Some(NewestFirst), Some(NewestFirst)),
            Some(NewestFirst)
        );
        assert_eq!(
            combine(Some(NewestFirst), Some(OldestFirst)),
            Some(Unordered)
        );
        assert_eq!(combine(Some(Unordered), Some(NewestFirst)), Some(Unordered));
    }
}
