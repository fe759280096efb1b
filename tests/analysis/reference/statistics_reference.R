# R calls behind the reference values of test_reliability.py, test_agreement.py,
# test_weights.py, test_compare.py and test_drivers.py.
# NOTE: R was not available where the tests were written; the printed values in the comments
# come from the R help pages / papers cited in the tests, and every one is also re-derived in
# the tests with a Python cross-check (pingouin, krippendorff, scikit-posthocs, statsmodels).
# Run `Rscript statistics_reference.R` to re-confirm them.

# ICC: Shrout & Fleiss (1979) Table 2 data; ?psych::ICC
sf <- data.frame(J1 = c(9, 6, 8, 7, 10, 6), J2 = c(2, 1, 4, 1, 5, 2),
                 J3 = c(5, 3, 6, 2, 6, 4), J4 = c(8, 2, 8, 6, 9, 7))
print(psych::ICC(sf))
# ICC1 .17 (F 1.8, 5, 18, p .16477, CI -.133 .72); ICC2 .29 (F 11, 5, 15, CI .019 .76);
# ICC3 .71 (.342 .95); ICC1k .44 (-.884 .91); ICC2k .62 (.071 .93); ICC3k .91 (.676 .99)

# Krippendorff (2011) example, 4 coders x 12 units
k <- rbind(c(1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA),
           c(1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3),
           c(NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA),
           c(1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA))
for (m in c("nominal", "ordinal", "interval", "ratio")) print(irr::kripp.alpha(k, m)$value)
# .743 .815 .849 .797

# Kruskal-Wallis, ?kruskal.test (Hollander & Wolfe 1973, p. 116)
x <- c(2.9, 3.0, 2.5, 2.6, 3.2); y <- c(3.8, 2.7, 4.0, 2.4); z <- c(2.8, 3.4, 3.7, 2.2, 2.0)
print(kruskal.test(list(x, y, z)))  # chi-squared = 0.77143, df = 2, p-value = 0.68
print(FSA::dunnTest(c(x, y, z) ~ factor(rep(c("normal", "obstructive", "asbestosis"),
                                            c(5, 4, 5))), method = "holm"))

# Mann-Whitney, ?wilcox.test (Hollander & Wolfe 1973, p. 69)
x <- c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46)
y <- c(1.15, 0.88, 0.90, 0.74, 1.21)
print(wilcox.test(x, y, alternative = "g"))  # W = 35, p-value = 0.1272

# Equal proportions, ?prop.test
smokers <- c(83, 90, 129, 70); patients <- c(86, 93, 136, 82)
print(prop.test(smokers, patients))  # X-squared = 12.6, df = 3, p-value = 0.005585

# AHP, Saaty (1990) house example
A <- matrix(c(1, 5, 3, 7, 6, 6, 1/3, 1/4,
              1/5, 1, 1/3, 5, 3, 3, 1/5, 1/7,
              1/3, 3, 1, 6, 3, 4, 6, 1/5,
              1/7, 1/5, 1/6, 1, 1/3, 1/4, 1/7, 1/8,
              1/6, 1/3, 1/3, 3, 1, 1/2, 1/5, 1/6,
              1/6, 1/3, 1/4, 4, 2, 1, 1/5, 1/6,
              3, 5, 1/6, 7, 5, 5, 1, 1/2,
              4, 7, 5, 8, 6, 6, 2, 1), 8, byrow = TRUE)
e <- eigen(A); w <- abs(Re(e$vectors[, 1])); print(round(w / sum(w), 3))
lmax <- Re(e$values[1]); print(c(lmax, (lmax - 8) / 7, (lmax - 8) / 7 / 1.41))
# .173 .054 .188 .018 .031 .036 .167 .333; 9.669 0.238 0.169

# Relative importance, swiss (Groemping 2006, JSS 17(1))
print(summary(lm(Fertility ~ ., data = swiss))$r.squared)  # 0.7067
print(relaimpo::calc.relimp(Fertility ~ ., data = swiss, type = "lmg"))
# our lmg: Agriculture .0571, Examination .1712, Education .2601, Catholic .1056,
# Infant.Mortality .1128 (brute force over all 120 orderings with statsmodels agrees)
