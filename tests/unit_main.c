/* Runs every GH_TEST case linked into the unit binary; an optional argument
 * selects cases whose name contains it. Ends with "N passed, N failed". */
#include <stdio.h>
#include <string.h>

#include "core/test.h"

static struct gh_test_case *head, **tail = &head;

void gh_test_register(struct gh_test_case *tc)
{
    *tail = tc;
    tail = &tc->next;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (struct gh_test_case *tc = head; tc != NULL; tc = tc->next) {
        if (argc > 1 && strstr(tc->name, argv[1]) == NULL)
            continue;
        int f = 0;
        tc->fn(&f);
        if (f) {
            failed++;
            printf("FAIL %s (%s)\n", tc->name, tc->file);
        } else {
            passed++;
            printf("ok   %s\n", tc->name);
        }
    }
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
