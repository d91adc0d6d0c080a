//! `A·B` for 2-D f32 flex tensors, written by `gemm` (the crate flex itself calls) straight
//! into a buffer of ours.
//!
//! flex's `float_matmul` makes its output as a zeroed *byte* vector, which `Bytes` then
//! copies once into an allocation with its runtime alignment: a second pass over every product
//! (≈ 6% of a paper-000 Baseline iteration with the copy and the fresh pages it touches). An
//! `f32` vector is taken over without a copy. Same `gemm` call, same strides, so the same
//! values as flex's product.
#![allow(unsafe_code)]

use burn::backend::ops::FloatTensorOps;
use burn::tensor::{DType, TensorData};
use burn_flex::{Flex, FlexTensor};

/// A 2-D strided f32 view of a flex tensor, checked to lie inside its storage.
struct View<'a> {
    data: &'a [f32],
    offset: usize,
    rows: usize,
    cols: usize,
    row_stride: isize,
    col_stride: isize,
}

impl<'a> View<'a> {
    /// `None` for anything but a 2-D f32 tensor with non-negative strides whose every element
    /// lies inside its storage.
    fn of(t: &'a FlexTensor) -> Option<Self> {
        let layout = t.layout();
        if t.dtype() != DType::F32 || layout.num_dims() != 2 {
            return None;
        }
        let (rows, cols) = (layout.shape()[0], layout.shape()[1]);
        let (row_stride, col_stride) = (layout.strides()[0], layout.strides()[1]);
        if row_stride < 0 || col_stride < 0 {
            return None;
        }
        let data = t.storage::<f32>();
        let offset = layout.start_offset();
        if rows > 0 && cols > 0 {
            let last = offset
                + (rows - 1) * row_stride.unsigned_abs()
                + (cols - 1) * col_stride.unsigned_abs();
            if last >= data.len() {
                return None;
            }
        }
        Some(Self {
            data,
            offset,
            rows,
            cols,
            row_stride,
            col_stride,
        })
    }
}

/// `a·b` for `a: [m, k]`, `b: [k, n]` (any non-negative strides, e.g. transposed views) into a
/// fresh contiguous `[m, n]` tensor. Other inputs go to flex's own matmul.
pub(crate) fn matmul(a: &FlexTensor, b: &FlexTensor) -> FlexTensor {
    let (Some(va), Some(vb)) = (View::of(a), View::of(b)) else {
        return Flex::float_matmul(a.clone(), b.clone());
    };
    if va.cols != vb.rows {
        return Flex::float_matmul(a.clone(), b.clone());
    }
    let (m, k, n) = (va.rows, va.cols, vb.cols);
    let mut out = vec![0.0f32; m * n];
    if m > 0 && n > 0 && k > 0 {
        // SAFETY: `View::of` checked that every element `offset + i·row_stride + j·col_stride`
        // (i < rows, j < cols, strides ≥ 0) of both operands lies inside its storage slice,
        // which outlives the call; `out` holds exactly `m·n` elements written at
        // `i·n + j` (column stride 1, row stride n). gemm reads only those elements of the
        // operands, and does not read `out` (`read_dst = false`; it is zeroed anyway).
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                out.as_mut_ptr(),
                1,
                n as isize,
                false,
                va.data.as_ptr().add(va.offset),
                va.col_stride,
                va.row_stride,
                vb.data.as_ptr().add(vb.offset),
                vb.col_stride,
                vb.row_stride,
                0.0,
                1.0,
                false,
                false,
                false,
                gemm::Parallelism::None,
            );
        }
    }
    FlexTensor::from_data(TensorData::new(out, [m, n]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::ops::FloatTensorOps;

    fn tensor(rows: usize, cols: usize, seed: usize) -> FlexTensor {
        let v: Vec<f32> = (0..rows * cols)
            .map(|i| ((i * 37 + seed * 11) % 23) as f32 / 7.0 - 1.5)
            .collect();
        FlexTensor::from_data(TensorData::new(v, [rows, cols]))
    }

    fn values(t: FlexTensor) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn equals_flex_matmul_for_plain_and_transposed_operands() {
        let (a, b) = (tensor(5, 3, 1), tensor(3, 4, 2));
        assert_eq!(
            values(matmul(&a, &b)),
            values(Flex::float_matmul(a.clone(), b.clone()))
        );
        // Transposed views (the backward's xᵀ·dz and dz·Wᵀ).
        let (at, bt) = (tensor(3, 5, 3), tensor(4, 3, 4));
        let (at, bt) = (Flex::float_transpose(at), Flex::float_transpose(bt));
        assert_eq!(
            values(matmul(&at, &bt)),
            values(Flex::float_matmul(at.clone(), bt.clone()))
        );
    }

    #[test]
    fn empty_inner_dimension_gives_zeros() {
        let (a, b) = (tensor(2, 0, 1), tensor(0, 3, 2));
        assert_eq!(values(matmul(&a, &b)), vec![0.0; 6]);
    }
}
