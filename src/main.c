/*
 * main.c - the openclaw binary: boot the Lua host and hand it argv.
 * Everything else (commands, flags, help) is Lua: lua/openclaw/cli.lua.
 */
#include "host.h"

int main(int argc, char **argv)
{
  return oc_host_main(argc, argv);
}
