"""Shampine's ode23s (Rosenbrock23) in the transformed Rosenbrock form neurode's stepper runs.

Shampine & Reichelt (1997), "The MATLAB ODE Suite": W = I - h d J, d = 1/(2 + sqrt 2),
  k1 = W^-1 (f0 + h d T)
  k2 = W^-1 (f(y + h/2 k1) - k1) + k1,          y1 = y + h k2
  k3 = W^-1 (f(y1) - e32 (k2 - f1) - 2 (k1 - f0) + h d T),  e32 = 6 + sqrt 2
  err = h/6 (k1 - 2 k2 + k3),   y(t0 + th h) = y0 + h (th(1-th) k1 + th(th-2d) k2) / (1-2d).
Written in Hairer & Wanner's standard form (I - h g J) K_i = h f(y + sum a_ij K_j)
+ h J sum g_ij K_j + g_i h^2 T with K_i = h k_i, then transformed (u = Gamma K):
a = alpha Gamma^-1, C = diag(1/g) - Gamma^-1, m = b Gamma^-1. Prints the Rust constants.
"""
from mpmath import mp, mpf, sqrt, matrix

mp.dps = 40
d = 1 / (2 + sqrt(2))
e32 = 6 + sqrt(2)
# Standard form: Gamma (lower triangular, diagonal d), alpha, b, error weights, dense weights.
G = matrix([[d, 0, 0], [-d, d, 0], [d * (e32 - 2), -e32 * d, d]])
alpha = matrix([[0, 0, 0], [mpf(1) / 2, 0, 0], [0, 1, 0]])
b = matrix([[0, 1, 0]])
btilde = matrix([[mpf(1) / 6, -mpf(1) / 3, mpf(1) / 6]])
Gi = G ** -1
a = alpha * Gi
C = -Gi
for i in range(3):
    C[i, i] = 0
m = b * Gi
e = btilde * Gi
gsum = [sum(G[i, j] for j in range(3)) for i in range(3)]
# Dense output y0 + (c1(th) K1 + c2(th) K2): c1 = (th - th^2)/(1-2d), c2 = (-2d th + th^2)/(1-2d)
# as polynomial coefficients in th (powers 1, 2) on the u's: row p of [K1, K2] weights times Gi.
P = matrix([[1 / (1 - 2 * d), -2 * d / (1 - 2 * d), 0], [-1 / (1 - 2 * d), 1 / (1 - 2 * d), 0]])
dense = P * Gi
f = lambda x: mp.nstr(x, 20, min_fixed=-30, max_fixed=30)
print("gamma", f(d))
print("a", [[f(a[i, j]) for j in range(3)] for i in range(3)])
print("C", [[f(C[i, j]) for j in range(3)] for i in range(3)])
print("c", [0, 0.5, 1])
print("d", [f(x) for x in gsum])
print("m", [f(m[0, j]) for j in range(3)])
print("e", [f(e[0, j]) for j in range(3)])
print("dense (theta^1, theta^2)", [[f(dense[p, j]) for j in range(3)] for p in range(2)])
