/* _recvbatch: receive ZeroMQ messages straight into a zmqdash Ring.
 *
 * The compiled twin of the pure-Python loop in recvpath.py (`_receive`); recvpath.py loads
 * this module if it was built and falls back to that loop otherwise. Both take the same
 * arguments, write the same ring entries and return the same (messages, bytes, errno).
 *
 * An entry is ring.py's tuple (seq, ts, kind, frames, meta, size): here IN, a tuple of bytes,
 * None, the total bytes. Writing slot seq % capacity takes the overwritten entry's size off
 * ring.held, as Ring.append does.
 *
 * No libzmq headers or link flags are needed: the few libzmq functions used are passed in as
 * addresses by init(), taken from the libzmq that pyzmq has already loaded, so both always
 * use the same library. zmq_msg_t is declared here as zmq.h declares it: 64 opaque bytes,
 * aligned for a pointer.
 *
 * Every frame is received with ZMQ_DONTWAIT, so this never blocks while holding the GIL:
 * the first frame of a message may be absent (EAGAIN ends the batch quietly); the later
 * frames of a message are always there (libzmq delivers a multipart message whole), and if
 * one were not, that is reported as an error and the partial message is dropped, as the
 * Python loop does.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <string.h>

#ifndef EINTR
#define EINTR 4
#endif
#ifndef EAGAIN
#define EAGAIN 11
#endif
#ifndef ENOTSOCK
#define ENOTSOCK 88
#endif

#define ZMQ_DONTWAIT 1

/* Frames at least this big are copied with the GIL released. */
#define BIG_FRAME (1 << 20)

typedef union zmq_msg_t {
    unsigned char _[64];
    void *p;
    double d;
    long long ll;
} zmq_msg_t;

typedef int (*msg_init_t)(zmq_msg_t *msg);
typedef int (*msg_recv_t)(zmq_msg_t *msg, void *socket, int flags);
typedef void *(*msg_data_t)(zmq_msg_t *msg);
typedef size_t (*msg_size_t)(const zmq_msg_t *msg);
typedef int (*msg_more_t)(const zmq_msg_t *msg);
typedef int (*msg_close_t)(zmq_msg_t *msg);
typedef int (*zerrno_t)(void);

static msg_init_t z_msg_init;
static msg_recv_t z_msg_recv;
static msg_data_t z_msg_data;
static msg_size_t z_msg_size;
static msg_more_t z_msg_more;
static msg_close_t z_msg_close;
static zerrno_t z_errno;
static PyObject *kind_in; /* ring.IN */

static PyObject *s_underlying, *s_slots, *s_capacity, *s_total, *s_held;

static void *
address_arg(PyObject *arg, const char *what)
{
    void *p = PyLong_AsVoidPtr(arg);
    if (p == NULL && !PyErr_Occurred())
        PyErr_Format(PyExc_ValueError, "init: %s is a null address", what);
    return p;
}

PyDoc_STRVAR(init_doc,
"init(msg_init, msg_recv, msg_data, msg_size, msg_more, msg_close, errno, kind)\n\n"
"Give the addresses of libzmq's zmq_msg_init, zmq_msg_recv, zmq_msg_data, zmq_msg_size,\n"
"zmq_msg_more, zmq_msg_close and zmq_errno, and the kind written in entries (ring.IN).");

static PyObject *
init(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    void *f[7];
    static const char *names[7] = {"msg_init", "msg_recv", "msg_data", "msg_size",
                                   "msg_more", "msg_close", "errno"};
    Py_ssize_t i;

    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError, "init() takes 8 arguments");
        return NULL;
    }
    for (i = 0; i < 7; i++) {
        f[i] = address_arg(args[i], names[i]);
        if (f[i] == NULL)
            return NULL;
    }
    z_msg_init = (msg_init_t)f[0];
    z_msg_recv = (msg_recv_t)f[1];
    z_msg_data = (msg_data_t)f[2];
    z_msg_size = (msg_size_t)f[3];
    z_msg_more = (msg_more_t)f[4];
    z_msg_close = (msg_close_t)f[5];
    z_errno = (zerrno_t)f[6];
    Py_INCREF(args[7]);
    Py_XDECREF(kind_in);
    kind_in = args[7];
    Py_RETURN_NONE;
}

/* An attribute that must be an int that fits a long long. */
static int
get_ll(PyObject *obj, PyObject *name, long long *out)
{
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL)
        return -1;
    *out = PyLong_AsLongLong(v);
    Py_DECREF(v);
    return (*out == -1 && PyErr_Occurred()) ? -1 : 0;
}

static int
set_ll(PyObject *obj, PyObject *name, long long value)
{
    PyObject *v = PyLong_FromLongLong(value);
    int rc;
    if (v == NULL)
        return -1;
    rc = PyObject_SetAttr(obj, name, v);
    Py_DECREF(v);
    return rc;
}

/* A received frame as bytes (NULL with an exception set if out of memory). */
static PyObject *
frame_bytes(zmq_msg_t *msg)
{
    size_t len = z_msg_size(msg);
    const char *data;
    PyObject *b;

    if (len == 0)
        return PyBytes_FromStringAndSize("", 0);
    if (len > (size_t)PY_SSIZE_T_MAX)
        return PyErr_NoMemory();
    data = (const char *)z_msg_data(msg);
    if (len < BIG_FRAME)
        return PyBytes_FromStringAndSize(data, (Py_ssize_t)len);
    b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)len);
    if (b == NULL)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    memcpy(PyBytes_AS_STRING(b), data, len);
    Py_END_ALLOW_THREADS
    return b;
}

/* The entry (seq, ts, kind, frames, None, size), taking over the reference to frames. */
static PyObject *
make_entry(long long seq, PyObject *ts, PyObject *frames, long long size)
{
    PyObject *entry, *seq_obj, *size_obj;

    seq_obj = PyLong_FromLongLong(seq);
    size_obj = PyLong_FromLongLong(size);
    entry = PyTuple_New(6);
    if (seq_obj == NULL || size_obj == NULL || entry == NULL) {
        Py_XDECREF(seq_obj);
        Py_XDECREF(size_obj);
        Py_XDECREF(entry);
        Py_DECREF(frames);
        return NULL;
    }
    Py_INCREF(ts);
    Py_INCREF(kind_in);
    Py_INCREF(Py_None);
    PyTuple_SET_ITEM(entry, 0, seq_obj);
    PyTuple_SET_ITEM(entry, 1, ts);
    PyTuple_SET_ITEM(entry, 2, kind_in);
    PyTuple_SET_ITEM(entry, 3, frames);
    PyTuple_SET_ITEM(entry, 4, Py_None);
    PyTuple_SET_ITEM(entry, 5, size_obj);
    return entry;
}

PyDoc_STRVAR(receive_doc,
"receive(sock, ring, ts, max_msgs, max_bytes) -> (messages, bytes, errno)\n\n"
"Receive whole messages from the pyzmq socket sock into ring until none is waiting, or\n"
"max_msgs were taken, or max_bytes were reached, each as an IN entry stamped ts; update\n"
"ring.total and ring.held (not the ring's limits: the caller trims). errno is 0 when the\n"
"batch ended normally, else the libzmq error that ended it (a message cut short by it is\n"
"dropped). A closed socket gives ENOTSOCK.");

static PyObject *
receive(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *sock, *ring, *ts, *slots = NULL, *frames = NULL, *frame, *entry, *old;
    long long max_msgs, max_bytes, capacity, seq, held, size, old_size;
    long long n = 0, nbytes = 0;
    int err = 0, first, more, cut, rc;
    void *handle;
    zmq_msg_t msg;
    PyObject *exc_type, *exc_value, *exc_tb;

    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "receive() takes 5 arguments");
        return NULL;
    }
    if (z_msg_recv == NULL || kind_in == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "receive() before init()");
        return NULL;
    }
    sock = args[0];
    ring = args[1];
    ts = args[2];
    max_msgs = PyLong_AsLongLong(args[3]);
    if (max_msgs == -1 && PyErr_Occurred())
        return NULL;
    max_bytes = PyLong_AsLongLong(args[4]);
    if (max_bytes == -1 && PyErr_Occurred())
        return NULL;

    {
        PyObject *u = PyObject_GetAttr(sock, s_underlying);
        if (u == NULL)
            return NULL;
        handle = PyLong_AsVoidPtr(u);
        Py_DECREF(u);
        if (handle == NULL && PyErr_Occurred())
            return NULL;
    }
    if (get_ll(ring, s_capacity, &capacity) < 0 || get_ll(ring, s_total, &seq) < 0
        || get_ll(ring, s_held, &held) < 0)
        return NULL;
    slots = PyObject_GetAttr(ring, s_slots);
    if (slots == NULL)
        return NULL;
    if (!PyList_CheckExact(slots) || capacity < 1 || PyList_GET_SIZE(slots) != capacity) {
        PyErr_SetString(PyExc_TypeError, "receive(): ring._slots is not a list of capacity");
        Py_DECREF(slots);
        return NULL;
    }
    if (handle == NULL)
        err = ENOTSOCK; /* pyzmq gives address 0 once a socket is closed */

    while (err == 0 && n < max_msgs && nbytes < max_bytes) {
        frames = NULL;
        size = 0;
        first = 1;
        cut = 0;
        do {
            z_msg_init(&msg); /* cannot fail: it only fills in the struct */
            rc = z_msg_recv(&msg, handle, ZMQ_DONTWAIT);
            if (rc < 0) {
                err = z_errno();
                z_msg_close(&msg);
                if (err == EINTR) {
                    err = 0;
                    more = 1;
                    continue;
                }
                if (first && err == EAGAIN)
                    err = 0; /* nothing waiting: the batch is over */
                cut = 1;
                break;
            }
            frame = frame_bytes(&msg);
            more = z_msg_more(&msg);
            z_msg_close(&msg);
            if (frame == NULL)
                goto fail;
            size += (long long)PyBytes_GET_SIZE(frame);
            if (frames == NULL) {
                /* a tuple of bytes, which the garbage collector stops tracking; a multipart
                   message is gathered in a list first */
                frames = more ? PyList_New(1) : PyTuple_New(1);
                if (frames == NULL) {
                    Py_DECREF(frame);
                    goto fail;
                }
                if (more)
                    PyList_SET_ITEM(frames, 0, frame);
                else
                    PyTuple_SET_ITEM(frames, 0, frame);
            }
            else {
                rc = PyList_Append(frames, frame);
                Py_DECREF(frame);
                if (rc < 0)
                    goto fail;
            }
            first = 0;
        } while (more);
        if (cut) { /* no message, or one cut short by an error: drop what was read */
            Py_CLEAR(frames);
            break;
        }

        if (PyList_CheckExact(frames)) {
            PyObject *whole = PyList_AsTuple(frames);
            Py_DECREF(frames);
            frames = whole;
            if (frames == NULL)
                goto fail;
        }
        entry = make_entry(seq, ts, frames, size);
        frames = NULL; /* the entry owns it now (or it was freed) */
        if (entry == NULL)
            goto fail;
        {
            Py_ssize_t index = (Py_ssize_t)(seq % capacity);
            if (index >= PyList_GET_SIZE(slots)) {
                Py_DECREF(entry);
                PyErr_SetString(PyExc_RuntimeError, "receive(): ring._slots shrank");
                goto fail;
            }
            old = PyList_GET_ITEM(slots, index);
            if (old != Py_None) {
                if (!PyTuple_Check(old) || PyTuple_GET_SIZE(old) < 6) {
                    Py_DECREF(entry);
                    PyErr_SetString(PyExc_TypeError, "receive(): a ring slot is not an entry");
                    goto fail;
                }
                old_size = PyLong_AsLongLong(PyTuple_GET_ITEM(old, 5));
                if (old_size == -1 && PyErr_Occurred()) {
                    Py_DECREF(entry);
                    goto fail;
                }
                held -= old_size;
            }
            PyList_SetItem(slots, index, entry); /* takes entry, releases the old one */
        }
        held += size;
        seq += 1;
        n += 1;
        nbytes += size;
    }
    Py_DECREF(slots);
    if (set_ll(ring, s_total, seq) < 0 || set_ll(ring, s_held, held) < 0)
        return NULL;
    return Py_BuildValue("(LLi)", n, nbytes, err);

fail:
    /* out of memory or a ring that is not what it should be: keep the ring's count of what
     * was written so far true, then raise */
    Py_XDECREF(frames);
    Py_DECREF(slots);
    PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
    if (set_ll(ring, s_total, seq) < 0 || set_ll(ring, s_held, held) < 0)
        PyErr_Clear();
    PyErr_Restore(exc_type, exc_value, exc_tb);
    return NULL;
}

static PyMethodDef methods[] = {
    {"init", (PyCFunction)(void (*)(void))init, METH_FASTCALL, init_doc},
    {"receive", (PyCFunction)(void (*)(void))receive, METH_FASTCALL, receive_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "_recvbatch",
    "Receive ZeroMQ messages into a zmqdash Ring (the compiled twin of recvpath._receive).",
    -1,
    methods,
};

PyMODINIT_FUNC
PyInit__recvbatch(void)
{
    if ((s_underlying = PyUnicode_InternFromString("underlying")) == NULL
        || (s_slots = PyUnicode_InternFromString("_slots")) == NULL
        || (s_capacity = PyUnicode_InternFromString("capacity")) == NULL
        || (s_total = PyUnicode_InternFromString("total")) == NULL
        || (s_held = PyUnicode_InternFromString("held")) == NULL)
        return NULL;
    return PyModule_Create(&module_def);
}
