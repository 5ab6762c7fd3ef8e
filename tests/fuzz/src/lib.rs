//! Helpers shared by the fuzz targets: splitting the fuzzer's bytes into fields in a layout
//! simple enough that seed files can be written by hand (see `corpus/README.md`).

/// Splits `data` into `n` fields: each of the first `n - 1` is a length byte and that many
/// bytes (fewer when the input ends), the last is everything left.
pub fn fields(mut data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(n);
    for _ in 1..n {
        let Some((&len, rest)) = data.split_first() else {
            out.push(&data[..0]);
            continue;
        };
        let len = usize::from(len).min(rest.len());
        out.push(&rest[..len]);
        data = &rest[len..];
    }
    out.push(data);
    out
}

/// Splits `data` into chunks whose sizes come from `sizes` (cycled; a size of 0 counts as
/// 1), the way a serial port's reads cut a byte stream.
pub fn chunks<'a>(data: &'a [u8], sizes: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < data.len() {
        let size = sizes
            .get(i % sizes.len().max(1))
            .map_or(data.len(), |&s| usize::from(s.max(1)));
        let end = (at + size).min(data.len());
        out.push(&data[at..end]);
        at = end;
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_split_by_length_bytes() {
        assert_eq!(
            fields(&[2, 9, 8, 1, 7, 5, 6], 3),
            vec![&[9u8, 8][..], &[7][..], &[5, 6][..]]
        );
        assert_eq!(fields(&[], 2), vec![&[][..], &[][..]]);
        assert_eq!(fields(&[9, 1], 2), vec![&[1u8][..], &[][..]]);
    }

    #[test]
    fn chunks_cover_the_data() {
        let d = [1u8, 2, 3, 4, 5];
        assert_eq!(chunks(&d, &[2]), vec![&[1u8, 2][..], &[3, 4][..], &[5][..]]);
        assert_eq!(chunks(&d, &[]), vec![&d[..]]);
        assert_eq!(chunks(&d, &[0, 3]).concat(), d);
    }
}
