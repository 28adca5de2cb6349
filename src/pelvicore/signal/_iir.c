/* A cascade of second-order IIR sections (direct form II transposed) with explicit state.
 *
 * pelvicore's filters run sample by sample in a fixed order, so feeding a signal in any chunking gives
 * bit-identical output. This small loop is the only compiled code in pelvicore; it keeps the analysis
 * independent of scipy.signal, whose import alone costs about a second of command-line start-up.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static inline double cascade(const double *c, double *z, Py_ssize_t sections, double v) {
    for (Py_ssize_t k = 0; k < sections; k++) {
        const double *s = c + 6 * k;
        double *zk = z + 2 * k;
        double w = s[0] * v + zk[0];
        zk[0] = s[1] * v - s[4] * w + zk[1];
        zk[1] = s[2] * v - s[5] * w;
        v = w;
    }
    return v;
}

static PyObject *sosfilt(PyObject *self, PyObject *args) {
    Py_buffer sos, x, zi, y;
    if (!PyArg_ParseTuple(args, "y*y*w*w*", &sos, &x, &zi, &y)) {
        return NULL;
    }
    Py_ssize_t n = x.len / (Py_ssize_t)sizeof(double);
    Py_ssize_t sections = sos.len / (Py_ssize_t)(6 * sizeof(double));
    if (sos.len != sections * 6 * (Py_ssize_t)sizeof(double) || zi.len != sections * 2 * (Py_ssize_t)sizeof(double) ||
        y.len != x.len) {
        PyBuffer_Release(&sos);
        PyBuffer_Release(&x);
        PyBuffer_Release(&zi);
        PyBuffer_Release(&y);
        PyErr_SetString(PyExc_ValueError, "sosfilt: expected sos (k, 6), zi (k, 2) and equal-length x and y, float64");
        return NULL;
    }
    const double *c = (const double *)sos.buf;
    const double *in = (const double *)x.buf;
    double *z = (double *)zi.buf;
    double *out = (double *)y.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = cascade(c, z, sections, in[i]);
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&sos);
    PyBuffer_Release(&x);
    PyBuffer_Release(&zi);
    PyBuffer_Release(&y);
    Py_RETURN_NONE;
}

/* envelope(sos_a, zi_a, sos_b, zi_b, x, a_out, b_out): a = cascade A of x; b = cascade B of |a|, in one pass. */
static PyObject *envelope(PyObject *self, PyObject *args) {
    Py_buffer sa, za, sb, zb, x, ya, yb;
    if (!PyArg_ParseTuple(args, "y*w*y*w*y*w*w*", &sa, &za, &sb, &zb, &x, &ya, &yb)) {
        return NULL;
    }
    Py_ssize_t d = (Py_ssize_t)sizeof(double);
    Py_ssize_t n = x.len / d, na = sa.len / (6 * d), nb = sb.len / (6 * d);
    int ok = sa.len == na * 6 * d && sb.len == nb * 6 * d && za.len == na * 2 * d && zb.len == nb * 2 * d &&
             ya.len == x.len && yb.len == x.len;
    if (ok) {
        const double *ca = (const double *)sa.buf, *cb = (const double *)sb.buf, *in = (const double *)x.buf;
        double *zza = (double *)za.buf, *zzb = (double *)zb.buf, *oa = (double *)ya.buf, *ob = (double *)yb.buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n; i++) {
            double a = cascade(ca, zza, na, in[i]);
            oa[i] = a;
            ob[i] = cascade(cb, zzb, nb, a < 0 ? -a : a);
        }
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&sa);
    PyBuffer_Release(&za);
    PyBuffer_Release(&sb);
    PyBuffer_Release(&zb);
    PyBuffer_Release(&x);
    PyBuffer_Release(&ya);
    PyBuffer_Release(&yb);
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "envelope: expected sos (k, 6), zi (k, 2), equal-length float64 x and outputs");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"sosfilt", sosfilt, METH_VARARGS, "sosfilt(sos, x, zi, y): filter x into y, updating zi in place."},
    {"envelope", envelope, METH_VARARGS, "envelope(sos_a, zi_a, sos_b, zi_b, x, a, b): a = A(x), b = B(|a|)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_iir", NULL, -1, methods};

PyMODINIT_FUNC PyInit__iir(void) { return PyModule_Create(&module); }
