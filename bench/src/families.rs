//! The families this OS measures, in the suite's order: the suite runs
//! them and the command line checks `--family` against their keys.

use localipc_bench_engine::family::{Contender, Family};

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
/// of [`keys`]. Each `(key, contender)` of `extra` goes after the
/// contenders of the family of that key.
pub(crate) fn chosen(keys: &[String], extra: &[(&str, Contender)]) -> Vec<Family> {
    let mut families: Vec<Family> = all()
        .into_iter()
        .filter(|family| keys.is_empty() || keys.iter().any(|key| key == family.key))
        .collect();
    for family in &mut families {
        let theirs = extra.iter().filter(|(key, _)| *key == family.key);
        family
            .contenders
            .extend(theirs.map(|&(_, contender)| contender));
    }
    families
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_is_chosen_when_none_is_named() {
        let chosen: Vec<&str> = chosen(&[], &[]).iter().map(|family| family.key).collect();
        assert_eq!(chosen, keys());
    }

    #[test]
    fn named_families_come_in_the_suite_order() {
        let chosen: Vec<&str> = chosen(&[crate::shm::KEY.to_owned(), keys()[0].to_owned()], &[])
            .iter()
            .map(|family| family.key)
            .collect();
        assert_eq!(chosen, [keys()[0], crate::shm::KEY]);
    }

    #[test]
    fn extra_contenders_go_last_in_their_family() {
        fn run(
            _: &localipc_bench_engine::context::Context,
            _: localipc_bench_engine::job::Job,
        ) -> std::io::Result<localipc_bench_engine::measure::Measurement> {
            Err(std::io::Error::other("not run"))
        }
        let extra = Contender { name: "extra", run };
        let families = chosen(&[], &[(crate::shm::KEY, extra), ("no such family", extra)]);
        for family in &families {
            let names: Vec<&str> = family.contenders.iter().map(|c| c.name).collect();
            let extras = names.iter().filter(|name| **name == "extra").count();
            assert_eq!(
                extras,
                usize::from(family.key == crate::shm::KEY),
                "{names:?}"
            );
        }
        let shm = families.iter().find(|f| f.key == crate::shm::KEY).unwrap();
        assert_eq!(shm.contenders.last().unwrap().name, "extra");
    }
}
