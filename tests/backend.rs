//! The backend mapping: names, compiled-in set, and the errors a user can hit.
//! (Only f32 is requested in this binary; asking for f64 after that must fail cleanly.)

use neurode::backend::{Backend, BackendError, Precision, device};

#[test]
fn names_parse_and_print() {
    for b in Backend::ALL {
        assert_eq!(b.name().parse::<Backend>().unwrap(), b);
        assert_eq!(b.to_string(), b.name());
    }
    assert_eq!(" WGPU ".parse::<Backend>().unwrap(), Backend::Wgpu);
    assert_eq!("f64".parse::<Precision>().unwrap(), Precision::F64);
    let err = "cuda".parse::<Backend>().unwrap_err().to_string();
    assert!(
        err.contains("cuda") && err.contains("flex, ndarray or wgpu"),
        "{err}"
    );
    assert!(
        "f16"
            .parse::<Precision>()
            .unwrap_err()
            .to_string()
            .contains("f32 or f64")
    );
}

#[test]
fn flex_is_the_default_and_compiled_in() {
    assert_eq!(Backend::default(), Backend::Flex);
    assert!(Backend::compiled().contains(&Backend::Flex));
    assert_eq!(Backend::Ndarray.is_compiled(), cfg!(feature = "ndarray"));
    assert_eq!(Backend::Wgpu.is_compiled(), cfg!(feature = "wgpu"));
}

#[cfg(not(feature = "ndarray"))]
#[test]
fn a_backend_not_compiled_in_says_which_feature_to_enable() {
    let err = device(Backend::Ndarray, Precision::F32).unwrap_err();
    assert_eq!(
        err,
        BackendError::NotCompiled {
            backend: Backend::Ndarray
        }
    );
    assert!(err.to_string().contains("--features ndarray"), "{err}");
}

#[test]
fn precision_cannot_change_once_tensors_exist() {
    let dev = device(Backend::Flex, Precision::F32).unwrap();
    let x = burn::Tensor::<1>::from_floats([1.0, 2.0], &dev);
    assert_eq!(x.sum().into_scalar::<f32>(), 3.0);
    // Asking again for the same precision is fine.
    assert!(device(Backend::Flex, Precision::F32).is_ok());
    match device(Backend::Flex, Precision::F64).unwrap_err() {
        BackendError::Precision {
            backend,
            precision,
            reason,
        } => {
            assert_eq!((backend, precision), (Backend::Flex, Precision::F64));
            assert!(!reason.is_empty());
        }
        other => panic!("expected a precision error, got {other}"),
    }
}
