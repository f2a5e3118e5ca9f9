/* _recvbatch: receive ZeroMQ messages straight into a zmqdash Ring, or forward them from one
 * socket to another (a device), optionally writing each into a Ring as it crosses.
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
#define ZMQ_SNDMORE 2

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
typedef int (*msg_send_t)(zmq_msg_t *msg, void *socket, int flags);

static msg_init_t z_msg_init;
static msg_recv_t z_msg_recv;
static msg_data_t z_msg_data;
static msg_size_t z_msg_size;
static msg_more_t z_msg_more;
static msg_close_t z_msg_close;
static zerrno_t z_errno;
static msg_send_t z_msg_send; /* set by init_forward() */
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

/* The entry (seq, ts, kind, frames, None, size), taking over the reference to frames: the
   layout of zmqdash/entries.py (FIELDS), written into the ring as Ring.writable() describes. */
static PyObject *
make_entry(long long seq, PyObject *ts, PyObject *kind, PyObject *frames, long long size)
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
    Py_INCREF(kind);
    Py_INCREF(Py_None);
    PyTuple_SET_ITEM(entry, 0, seq_obj);
    PyTuple_SET_ITEM(entry, 1, ts);
    PyTuple_SET_ITEM(entry, 2, kind);
    PyTuple_SET_ITEM(entry, 3, frames);
    PyTuple_SET_ITEM(entry, 4, Py_None);
    PyTuple_SET_ITEM(entry, 5, size_obj);
    return entry;
}

/* Add one frame (a new reference, taken over) to the frames gathered so far: a tuple of one
 * for a single-part message, else a list that finish_frames() turns into a tuple. Tuples of
 * bytes are what the garbage collector stops tracking. -1 with an exception on failure. */
static int
add_frame(PyObject **frames, PyObject *frame, int more)
{
    int rc;

    if (*frames == NULL) {
        *frames = more ? PyList_New(1) : PyTuple_New(1);
        if (*frames == NULL) {
            Py_DECREF(frame);
            return -1;
        }
        if (more)
            PyList_SET_ITEM(*frames, 0, frame);
        else
            PyTuple_SET_ITEM(*frames, 0, frame);
        return 0;
    }
    rc = PyList_Append(*frames, frame);
    Py_DECREF(frame);
    return rc;
}

static int
finish_frames(PyObject **frames)
{
    if (PyList_CheckExact(*frames)) {
        PyObject *whole = PyList_AsTuple(*frames);
        Py_DECREF(*frames);
        *frames = whole;
        if (whole == NULL)
            return -1;
    }
    return 0;
}

/* What a batch needs of a Ring, read once: its slots list and counters. */
typedef struct {
    PyObject *ring;
    PyObject *slots; /* a new reference */
    long long capacity, seq, held;
} ring_t;

static int
ring_open(ring_t *r, PyObject *ring, const char *who)
{
    r->ring = ring;
    r->slots = NULL;
    if (get_ll(ring, s_capacity, &r->capacity) < 0 || get_ll(ring, s_total, &r->seq) < 0
        || get_ll(ring, s_held, &r->held) < 0)
        return -1;
    r->slots = PyObject_GetAttr(ring, s_slots);
    if (r->slots == NULL)
        return -1;
    if (!PyList_CheckExact(r->slots) || r->capacity < 1
        || PyList_GET_SIZE(r->slots) != r->capacity) {
        PyErr_Format(PyExc_TypeError, "%s(): ring._slots is not a list of capacity", who);
        Py_CLEAR(r->slots);
        return -1;
    }
    return 0;
}

/* Write the ring's counters back (keeping an exception already set, if any). */
static int
ring_close(ring_t *r)
{
    PyObject *exc_type, *exc_value, *exc_tb;
    int failing = PyErr_Occurred() != NULL, rc = 0;

    Py_CLEAR(r->slots);
    if (failing)
        PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
    if (set_ll(r->ring, s_total, r->seq) < 0 || set_ll(r->ring, s_held, r->held) < 0) {
        if (failing)
            PyErr_Clear();
        rc = -1;
    }
    if (failing) {
        PyErr_Restore(exc_type, exc_value, exc_tb);
        return -1;
    }
    return rc;
}

/* Put the entry for frames (taken over) in slot seq % capacity, as Ring.append does: the
 * entry it replaces stops counting in held. */
static int
ring_put(ring_t *r, PyObject *ts, PyObject *kind, PyObject *frames, long long size,
         const char *who)
{
    PyObject *entry, *old;
    long long old_size;
    Py_ssize_t index;

    entry = make_entry(r->seq, ts, kind, frames, size);
    if (entry == NULL)
        return -1;
    index = (Py_ssize_t)(r->seq % r->capacity);
    if (index >= PyList_GET_SIZE(r->slots)) {
        Py_DECREF(entry);
        PyErr_Format(PyExc_RuntimeError, "%s(): ring._slots shrank", who);
        return -1;
    }
    old = PyList_GET_ITEM(r->slots, index);
    if (old != Py_None) {
        if (!PyTuple_Check(old) || PyTuple_GET_SIZE(old) < 6) {
            Py_DECREF(entry);
            PyErr_Format(PyExc_TypeError, "%s(): a ring slot is not an entry", who);
            return -1;
        }
        old_size = PyLong_AsLongLong(PyTuple_GET_ITEM(old, 5));
        if (old_size == -1 && PyErr_Occurred()) {
            Py_DECREF(entry);
            return -1;
        }
        r->held -= old_size;
    }
    PyList_SetItem(r->slots, index, entry); /* takes entry, releases the old one */
    r->held += size;
    r->seq += 1;
    return 0;
}

/* The libzmq socket behind a pyzmq socket; NULL (no exception) once it is closed. */
static int
socket_handle(PyObject *sock, void **handle)
{
    PyObject *u = PyObject_GetAttr(sock, s_underlying);
    if (u == NULL)
        return -1;
    *handle = PyLong_AsVoidPtr(u);
    Py_DECREF(u);
    if (*handle == NULL && PyErr_Occurred())
        return -1;
    return 0;
}

static int
limits(PyObject *const *args, long long *max_msgs, long long *max_bytes)
{
    *max_msgs = PyLong_AsLongLong(args[0]);
    if (*max_msgs == -1 && PyErr_Occurred())
        return -1;
    *max_bytes = PyLong_AsLongLong(args[1]);
    if (*max_bytes == -1 && PyErr_Occurred())
        return -1;
    return 0;
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
    PyObject *ts, *frames = NULL, *frame;
    long long max_msgs, max_bytes, size;
    long long n = 0, nbytes = 0;
    int err = 0, first, more, cut, rc;
    void *handle;
    zmq_msg_t msg;
    ring_t r;

    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "receive() takes 5 arguments");
        return NULL;
    }
    if (z_msg_recv == NULL || kind_in == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "receive() before init()");
        return NULL;
    }
    ts = args[2];
    if (limits(args + 3, &max_msgs, &max_bytes) < 0 || socket_handle(args[0], &handle) < 0)
        return NULL;
    if (ring_open(&r, args[1], "receive") < 0)
        return NULL;
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
            if (add_frame(&frames, frame, more) < 0)
                goto fail;
            first = 0;
        } while (more);
        if (cut) { /* no message, or one cut short by an error: drop what was read */
            Py_CLEAR(frames);
            break;
        }
        if (finish_frames(&frames) < 0)
            goto fail;
        rc = ring_put(&r, ts, kind_in, frames, size, "receive");
        frames = NULL; /* the entry owns it now (or it was freed) */
        if (rc < 0)
            goto fail;
        n += 1;
        nbytes += size;
    }
    if (ring_close(&r) < 0)
        return NULL;
    return Py_BuildValue("(LLi)", n, nbytes, err);

fail:
    /* out of memory or a ring that is not what it should be: keep the ring's count of what
     * was written so far true, then raise */
    Py_XDECREF(frames);
    ring_close(&r);
    return NULL;
}

PyDoc_STRVAR(init_forward_doc,
"init_forward(msg_send)\n\n"
"Give the address of libzmq's zmq_msg_send (after init()), which forward() needs.");

static PyObject *
init_forward(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    void *f;

    if (nargs != 1) {
        PyErr_SetString(PyExc_TypeError, "init_forward() takes 1 argument");
        return NULL;
    }
    f = address_arg(args[0], "msg_send");
    if (f == NULL)
        return NULL;
    z_msg_send = (msg_send_t)f;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(forward_doc,
"forward(src, dst, ring, ts, max_msgs, max_bytes, kind)\n"
"    -> (messages, bytes, errno, held, dropped, drop_errno)\n\n"
"Move whole messages from the pyzmq socket src to dst (never blocking) until none is waiting\n"
"on src, or max_msgs were moved, or max_bytes were reached. Frames go across as libzmq\n"
"messages, not copied; with a ring (not None) each message that went across is also written\n"
"into it as a `kind` entry stamped ts (ring.total and ring.held updated; the caller trims).\n\n"
"held: when dst takes no message now (EAGAIN on the first frame: no peer, or the high-water\n"
"mark), the message already taken from src, as a tuple of bytes, for the caller to send once\n"
"dst is writable; the batch ends there. Otherwise None.\n"
"dropped: messages dst refused with another error (e.g. EHOSTUNREACH from a ROUTER with\n"
"router_mandatory), or that it failed part-way; drop_errno is the last such error.\n"
"errno: 0 when the batch ended normally, else the receive error that ended it.");

static PyObject *
forward(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *ts, *kind, *ring_obj, *frames = NULL, *frame = NULL, *held_msg = Py_None;
    long long max_msgs, max_bytes, size, n = 0, nbytes = 0, dropped = 0;
    int err = 0, drop_err = 0, more, first, refused, broken, rc, tap, e;
    void *src, *dst;
    zmq_msg_t msg;
    ring_t r;

    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "forward() takes 7 arguments");
        return NULL;
    }
    if (z_msg_recv == NULL || z_msg_send == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "forward() before init() and init_forward()");
        return NULL;
    }
    ring_obj = args[2];
    ts = args[3];
    kind = args[6];
    tap = ring_obj != Py_None;
    if (limits(args + 4, &max_msgs, &max_bytes) < 0 || socket_handle(args[0], &src) < 0
        || socket_handle(args[1], &dst) < 0)
        return NULL;
    r.slots = NULL;
    if (tap && ring_open(&r, ring_obj, "forward") < 0)
        return NULL;
    if (src == NULL || dst == NULL)
        err = ENOTSOCK;

    while (err == 0 && n < max_msgs && nbytes < max_bytes) {
        z_msg_init(&msg);
        rc = z_msg_recv(&msg, src, ZMQ_DONTWAIT);
        if (rc < 0) {
            e = z_errno();
            z_msg_close(&msg);
            if (e == EINTR)
                continue;
            if (e != EAGAIN)
                err = e;
            break; /* EAGAIN: nothing waiting, the batch is over */
        }
        frames = NULL;
        size = 0;
        first = 1;
        refused = 0;
        broken = 0;
        for (;;) {
            more = z_msg_more(&msg);
            size += (long long)z_msg_size(&msg);
            if (tap) { /* the copy for the log is made before the frame leaves */
                frame = frame_bytes(&msg);
                if (frame == NULL || add_frame(&frames, frame, more) < 0) {
                    z_msg_close(&msg);
                    goto fail;
                }
            }
            while (!refused) {
                rc = z_msg_send(&msg, dst, ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0));
                if (rc >= 0 || broken)
                    break; /* once broken, the rest is sent only for libzmq to let go of */
                e = z_errno();
                if (e == EINTR)
                    continue;
                if (first && e == EAGAIN) {
                    /* dst takes nothing now: hold this message (this frame is still ours) */
                    if (!tap) {
                        frame = frame_bytes(&msg);
                        if (frame == NULL || add_frame(&frames, frame, more) < 0) {
                            z_msg_close(&msg);
                            goto fail;
                        }
                    }
                    z_msg_close(&msg);
                    while (more) {
                        z_msg_init(&msg);
                        rc = z_msg_recv(&msg, src, ZMQ_DONTWAIT);
                        if (rc < 0) { /* libzmq delivers a message whole: not expected */
                            err = z_errno();
                            z_msg_close(&msg);
                            Py_CLEAR(frames);
                            goto done;
                        }
                        more = z_msg_more(&msg);
                        frame = frame_bytes(&msg);
                        z_msg_close(&msg);
                        if (frame == NULL || add_frame(&frames, frame, more) < 0)
                            goto fail;
                    }
                    if (finish_frames(&frames) < 0)
                        goto fail;
                    held_msg = frames;
                    frames = NULL;
                    goto done;
                }
                drop_err = e;
                if (first)
                    refused = 1; /* nothing went: the rest is only taken from src */
                else
                    broken = 1; /* libzmq drops the rest of it; it must still be sent, so
                                   that the next message starts clean */
                break;
            }
            z_msg_close(&msg);
            if (!more)
                break;
            first = 0;
            z_msg_init(&msg);
            rc = z_msg_recv(&msg, src, ZMQ_DONTWAIT);
            if (rc < 0) { /* libzmq delivers a message whole: not expected */
                err = z_errno();
                z_msg_close(&msg);
                broken = 1;
                break;
            }
        }
        if (refused || broken) {
            Py_CLEAR(frames);
            dropped += 1;
            continue;
        }
        if (tap) {
            if (finish_frames(&frames) < 0)
                goto fail;
            rc = ring_put(&r, ts, kind, frames, size, "forward");
            frames = NULL;
            if (rc < 0)
                goto fail;
        }
        n += 1;
        nbytes += size;
    }

done:
    if (tap && ring_close(&r) < 0) {
        if (held_msg != Py_None)
            Py_DECREF(held_msg);
        return NULL;
    }
    {
        PyObject *result = Py_BuildValue("(LLiOLi)", n, nbytes, err, held_msg, dropped,
                                         drop_err);
        if (held_msg != Py_None)
            Py_DECREF(held_msg);
        return result;
    }

fail:
    Py_XDECREF(frames);
    if (tap)
        ring_close(&r);
    return NULL;
}

static PyMethodDef methods[] = {
    {"init", (PyCFunction)(void (*)(void))init, METH_FASTCALL, init_doc},
    {"receive", (PyCFunction)(void (*)(void))receive, METH_FASTCALL, receive_doc},
    {"init_forward", (PyCFunction)(void (*)(void))init_forward, METH_FASTCALL,
     init_forward_doc},
    {"forward", (PyCFunction)(void (*)(void))forward, METH_FASTCALL, forward_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "_recvbatch",
    "Receive ZeroMQ messages into a zmqdash Ring (the compiled twin of recvpath._receive), "
    "and forward them between two sockets (of forwardpath._forward).",
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
