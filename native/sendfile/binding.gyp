{
  "targets": [
    {
      "target_name": "sendfile",
      "sources": ["src/sendfile.c"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
