/*
 * sendfile(2) from an open file into a connected socket, driven by Node's
 * own event loop: the kernel copies the page cache straight into the
 * socket, so a kept clone answer never passes through the gateway's memory.
 *
 * start(socketFd, fileFd, position, length, done) duplicates both
 * descriptors (the caller may close its own at once), then sends whenever
 * the socket is writable until `length` bytes went out, the peer went away
 * or cancel(transfer) was called. done(errno, sent) is called exactly once,
 * on the loop thread, after both duplicates are closed: errno is 0 when all
 * bytes were sent, ECANCELED after cancel, ENODATA when the file ended
 * first, else what sendfile(2) or the poll reported.
 *
 * The socket stays non-blocking (it is the one Node reads from): a full send
 * buffer ends a round with EAGAIN and the next writable event resumes it.
 * Everything runs on the loop thread, so no state is shared across threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

typedef struct transfer transfer_t;

/* What JavaScript holds: outlives the transfer or not, whichever ends first unlinks the other. */
typedef struct {
  transfer_t *transfer;
} ticket_t;

struct transfer {
  uv_poll_t poll;
  napi_env env;
  napi_ref done;
  napi_async_context async;
  ticket_t *ticket;
  int socket_fd;
  int file_fd;
  off_t position;
  size_t remaining;
  size_t sent;
  int error;
  int finishing;
  /* Node is tearing this environment down (a worker ends): close quietly, call nothing. */
  int env_gone;
};

/* Marks the externals start returns, so cancel never takes another module's for one. */
static const napi_type_tag TICKET_TAG = {0x6769746761746573ULL, 0x656e6466696c6531ULL};

#define CHECK(env, call)                                              \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error((env), NULL, "sendfile: N-API call failed: " #call); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static void on_env_cleanup(void *arg);

static void on_closed(uv_handle_t *handle) {
  transfer_t *t = handle->data;
  napi_env env = t->env;
  close(t->socket_fd);
  close(t->file_fd);
  if (t->ticket != NULL) t->ticket->transfer = NULL;
  if (t->env_gone) {
    free(t);
    return;
  }
  napi_remove_env_cleanup_hook(env, on_env_cleanup, t);

  /* The caller waits on this call: failing to make it would hang the caller's exchange for ever. */
  napi_handle_scope scope;
  /* napi_make_callback wants an object for `this`: the global one, as for a timer. */
  napi_value done, recv, argv[2], result;
  if (napi_open_handle_scope(env, &scope) != napi_ok || napi_get_reference_value(env, t->done, &done) != napi_ok ||
      napi_get_global(env, &recv) != napi_ok || napi_create_int32(env, t->error, &argv[0]) != napi_ok ||
      napi_create_double(env, (double)t->sent, &argv[1]) != napi_ok) {
    napi_fatal_error("gitgate:sendfile", NAPI_AUTO_LENGTH, "cannot call back the end of a transfer", NAPI_AUTO_LENGTH);
  }
  napi_status called = napi_make_callback(env, t->async, recv, done, 2, argv, &result);
  if (called == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  } else if (called != napi_ok && called != napi_cannot_run_js) {
    napi_fatal_error("gitgate:sendfile", NAPI_AUTO_LENGTH, "cannot call back the end of a transfer", NAPI_AUTO_LENGTH);
  }
  napi_close_handle_scope(env, scope);
  napi_delete_reference(env, t->done);
  napi_async_destroy(env, t->async);
  free(t);
}

static void on_closed_unstarted(uv_handle_t *handle) {
  transfer_t *t = handle->data;
  close(t->socket_fd);
  close(t->file_fd);
  free(t);
}

static void finish(transfer_t *t, int error) {
  if (t->finishing) return;
  t->finishing = 1;
  t->error = error;
  uv_poll_stop(&t->poll);
  uv_close((uv_handle_t *)&t->poll, on_closed);
}

static void on_env_cleanup(void *arg) {
  transfer_t *t = arg;
  t->env_gone = 1;
  finish(t, ECANCELED);
}

static void on_writable(uv_poll_t *poll, int status, int events) {
  transfer_t *t = poll->data;
  (void)events;
  if (t->finishing) return;
  if (status < 0) {
    /* libuv reports a socket error (POLLERR) as EBADF and stops polling: tell what the socket says instead. */
    int err = 0;
    socklen_t size = sizeof err;
    if (getsockopt(t->socket_fd, SOL_SOCKET, SO_ERROR, &err, &size) != 0 || err == 0) err = -status;
    finish(t, err);
    return;
  }
  while (t->remaining > 0) {
    size_t most = t->remaining > 0x7ffff000 ? 0x7ffff000 : t->remaining;
    ssize_t n = sendfile(t->socket_fd, t->file_fd, &t->position, most);
    if (n > 0) {
      t->sent += (size_t)n;
      t->remaining -= (size_t)n;
    } else if (n == 0) {
      finish(t, ENODATA);
      return;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return;
    } else {
      finish(t, errno);
      return;
    }
  }
  finish(t, 0);
}

static void ticket_finalize(napi_env env, void *data, void *hint) {
  ticket_t *ticket = data;
  (void)env;
  (void)hint;
  if (ticket->transfer != NULL) ticket->transfer->ticket = NULL;
  free(ticket);
}

static int64_t integer_arg(napi_env env, napi_value value, int64_t min, int *ok) {
  napi_valuetype type;
  double number;
  *ok = napi_typeof(env, value, &type) == napi_ok && type == napi_number &&
        napi_get_value_double(env, value, &number) == napi_ok && number >= (double)min &&
        number <= 9007199254740991.0 && number == (double)(int64_t)number;
  return *ok ? (int64_t)number : 0;
}

static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype done_type = napi_undefined;
  if (argc >= 5) CHECK(env, napi_typeof(env, argv[4], &done_type));
  int ok_socket = 0, ok_file = 0, ok_position = 0, ok_length = 0;
  int64_t socket_fd = argc >= 5 ? integer_arg(env, argv[0], 0, &ok_socket) : 0;
  int64_t file_fd = argc >= 5 ? integer_arg(env, argv[1], 0, &ok_file) : 0;
  int64_t position = argc >= 5 ? integer_arg(env, argv[2], 0, &ok_position) : 0;
  int64_t length = argc >= 5 ? integer_arg(env, argv[3], 1, &ok_length) : 0;
  if (!ok_socket || !ok_file || !ok_position || !ok_length || done_type != napi_function ||
      socket_fd > INT32_MAX || file_fd > INT32_MAX) {
    napi_throw_type_error(env, NULL,
                          "start(socketFd, fileFd, position, length, done): descriptors and position are "
                          "integers >= 0, length an integer >= 1, done a function");
    return NULL;
  }

  uv_loop_t *loop;
  CHECK(env, napi_get_uv_event_loop(env, &loop));
  transfer_t *t = calloc(1, sizeof *t);
  ticket_t *ticket = calloc(1, sizeof *ticket);
  if (t == NULL || ticket == NULL) {
    free(t);
    free(ticket);
    napi_throw_error(env, "ENOMEM", "sendfile: out of memory");
    return NULL;
  }
  t->env = env;
  t->position = (off_t)position;
  t->remaining = (size_t)length;
  t->socket_fd = fcntl((int)socket_fd, F_DUPFD_CLOEXEC, 0);
  t->file_fd = t->socket_fd < 0 ? -1 : fcntl((int)file_fd, F_DUPFD_CLOEXEC, 0);
  int failed = t->file_fd < 0 ? errno : 0;
  if (!failed) failed = -uv_poll_init_socket(loop, &t->poll, t->socket_fd);
  if (failed) {
    if (t->socket_fd >= 0) close(t->socket_fd);
    if (t->file_fd >= 0) close(t->file_fd);
    free(t);
    free(ticket);
    napi_throw_error(env, uv_err_name(-failed), "sendfile: cannot duplicate a descriptor or watch the socket");
    return NULL;
  }
  t->poll.data = t;

  napi_value name, external = NULL;
  napi_status status = napi_create_string_utf8(env, "gitgate:sendfile", NAPI_AUTO_LENGTH, &name);
  if (status == napi_ok) status = napi_async_init(env, NULL, name, &t->async);
  if (status == napi_ok) status = napi_create_reference(env, argv[4], 1, &t->done);
  if (status == napi_ok) status = napi_create_external(env, ticket, ticket_finalize, NULL, &external);
  if (status == napi_ok) status = napi_type_tag_object(env, external, &TICKET_TAG);
  if (status != napi_ok) {
    /* Nothing was started: close the watcher, then the duplicates, without calling back. */
    if (t->done != NULL) napi_delete_reference(env, t->done);
    if (t->async != NULL) napi_async_destroy(env, t->async);
    t->finishing = 1;
    uv_close((uv_handle_t *)&t->poll, on_closed_unstarted);
    /* Once it is an external's, the ticket is freed by its finalizer (and points at no transfer). */
    if (external == NULL) free(ticket);
    napi_throw_error(env, NULL, "sendfile: cannot set the transfer up");
    return NULL;
  }
  ticket->transfer = t;
  t->ticket = ticket;
  napi_add_env_cleanup_hook(env, on_env_cleanup, t);
  int started = uv_poll_start(&t->poll, UV_WRITABLE, on_writable);
  if (started < 0) finish(t, -started);
  return external;
}

static napi_value cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  napi_valuetype type = napi_undefined;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool tagged = false;
  if (argc == 1) CHECK(env, napi_typeof(env, argv[0], &type));
  if (type == napi_external) CHECK(env, napi_check_object_type_tag(env, argv[0], &TICKET_TAG, &tagged));
  if (!tagged) {
    napi_throw_type_error(env, NULL, "cancel(transfer): transfer is what start returned");
    return NULL;
  }
  CHECK(env, napi_get_value_external(env, argv[0], &data));
  ticket_t *ticket = data;
  if (ticket->transfer != NULL) finish(ticket->transfer, ECANCELED);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"start", NULL, start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cancel", NULL, cancel, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, 2, properties));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
