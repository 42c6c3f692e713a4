//! Information-processing fees (Art. 42; 国办函〔2020〕109号《政府信息公开信息处理费管理办法》): free by
//! default, charged only where a request's volume exceeds the reasonable, by one of two bases, each
//! counted by the part of the quantity that falls in each band.
//!
//! - By piece: an applicant's requests in one natural month. 1–10 free; the 11th to the 30th ¥100
//!   each; from the 31st, each further band of 10 costs ¥100 more a request (31–40 ¥200, 41–50 ¥300, …).
//! - By page: 1–30 free; pages 31–100 ¥10 each, 101–200 ¥20 each, over 200 ¥40 each.

use crate::domain::FeeBasis;

/// The largest quantity a fee notice may name (a request of more pages or pieces is not a request).
pub const MAX_QUANTITY: i64 = 100_000;

/// The price in yuan of the `n`th request of an applicant's month (1-based).
fn piece_price(n: i64) -> i64 {
    match n {
        ..=10 => 0,
        11..=30 => 100,
        _ => 100 * (2 + (n - 31) / 10),
    }
}

/// The price in yuan of the `n`th page (1-based).
fn page_price(n: i64) -> i64 {
    match n {
        ..=30 => 0,
        31..=100 => 10,
        101..=200 => 20,
        _ => 40,
    }
}

/// The fee for one request in yuan.
///
/// By piece, `quantity` is this request's place among the applicant's requests that month (the 12th
/// costs ¥100): each request carries the price of its own band. By page, `quantity` is the pages
/// provided, each page priced by the band it falls in.
pub fn amount_yuan(basis: FeeBasis, quantity: i64) -> i64 {
    match basis {
        FeeBasis::ByPiece => piece_price(quantity),
        FeeBasis::ByPage => (1..=quantity.min(MAX_QUANTITY)).map(page_price).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_piece_the_first_ten_are_free_then_bands_of_ten_cost_more() {
        assert_eq!(amount_yuan(FeeBasis::ByPiece, 1), 0);
        assert_eq!(amount_yuan(FeeBasis::ByPiece, 10), 0);
        assert_eq!(amount_yuan(FeeBasis::ByPiece, 11), 100);
        assert_eq!(amount_yuan(FeeBasis::ByPiece, 30), 100);
        assert_eq!(amount_yuan(FeeBasis::ByPiece, 31), 200);
        assert_eq!(amount_yuan(FeeBasis::ByPiece, 40), 200);
        assert_eq!(amount_yuan(FeeBasis::ByPiece, 41), 300);
        assert_eq!(amount_yuan(FeeBasis::ByPiece, 55), 400);
    }

    #[test]
    fn by_page_each_page_is_priced_by_its_band() {
        assert_eq!(amount_yuan(FeeBasis::ByPage, 30), 0);
        assert_eq!(amount_yuan(FeeBasis::ByPage, 31), 10);
        assert_eq!(amount_yuan(FeeBasis::ByPage, 100), 700);
        assert_eq!(amount_yuan(FeeBasis::ByPage, 150), 700 + 50 * 20);
        assert_eq!(amount_yuan(FeeBasis::ByPage, 200), 2_700);
        assert_eq!(amount_yuan(FeeBasis::ByPage, 250), 2_700 + 50 * 40);
    }
}
