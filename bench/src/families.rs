//! The families this OS measures, in the suite's order: the suite runs
//! them and the command line checks `--family` against their keys.

use localipc_bench_engine::family::Family;

/// Every family this OS can measure.
#[cfg(unix)]
pub(crate) fn all() -> Vec<Family> {
    vec![
        crate::socket::family(),
        crate::pipe::family(),
        #[cfg(any(target_os = "linux", target_os = "android"))]
        crate::messages::family(),
        crate::shm::family(),
    ]
}

/// Every family this OS can measure.
#[cfg(windows)]
pub(crate) fn all() -> Vec<Family> {
    vec![
        crate::windows::family(),
        crate::messages::family(),
        crate::shm::family(),
    ]
}

/// The keys of [`all`], as `--family` takes them and the JSON names them.
pub(crate) fn keys() -> Vec<&'static str> {
    all().iter().map(|family| family.key).collect()
}

/// The families whose keys are in `keys`, in the suite's order; all of them
/// if `keys` is empty. The command line has checked that every key is one
/// of [`keys`].
pub(crate) fn chosen(keys: &[String]) -> Vec<Family> {
    all()
        .into_iter()
        .filter(|family| keys.is_empty() || keys.iter().any(|key| key == family.key))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_is_chosen_when_none_is_named() {
        let chosen: Vec<&str> = chosen(&[]).iter().map(|family| family.key).collect();
        assert_eq!(chosen, keys());
    }

    #[test]
    fn named_families_come_in_the_suite_order() {
        let chosen: Vec<&str> = chosen(&[crate::shm::KEY.to_owned(), keys()[0].to_owned()])
            .iter()
            .map(|family| family.key)
            .collect();
        assert_eq!(chosen, [keys()[0], crate::shm::KEY]);
    }
}
