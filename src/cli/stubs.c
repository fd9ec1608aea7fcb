/* Commands not built yet. */
#include "cli/cli.h"

int gh_cmd_demo(struct gh_cli *cli, int argc, char **argv)
{
    (void)cli, (void)argc, (void)argv;
    gh_cli_err("demo is not available yet");
    return GH_EXIT_FAIL;
}

