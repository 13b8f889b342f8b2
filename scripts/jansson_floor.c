/* The floor under vmig's JSON codec figure: libjansson alone parsing (and dumping) the benchmark message, in C.
   Build and run: gcc -O2 scripts/jansson_floor.c -o /tmp/jansson_floor -ljansson && /tmp/jansson_floor */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
int main(void){
  char buf[64]; struct timespec a,b; int n=1000000; json_error_t e; size_t total=0;
  clock_gettime(CLOCK_MONOTONIC,&a);
  for(int i=0;i<n;i++){ int len=snprintf(buf,sizeof buf,"{\"execute\":\"query-migrate\",\"id\":%d}",i);
    json_t*j=json_loadb(buf,len,JSON_DECODE_ANY|JSON_REJECT_DUPLICATES,&e); json_decref(j);}
  clock_gettime(CLOCK_MONOTONIC,&b);
  printf("jansson load only: %.0f/s\n", n/((b.tv_sec-a.tv_sec)+(b.tv_nsec-a.tv_nsec)/1e9));
  clock_gettime(CLOCK_MONOTONIC,&a);
  for(int i=0;i<n;i++){ int len=snprintf(buf,sizeof buf,"{\"execute\":\"query-migrate\",\"id\":%d}",i);
    json_t*j=json_loadb(buf,len,JSON_DECODE_ANY,&e); char out[128]; total+=json_dumpb(j,out,sizeof out,JSON_COMPACT); json_decref(j);}
  clock_gettime(CLOCK_MONOTONIC,&b);
  printf("jansson load+dump (raw C, no tree rebuild): %.0f/s %zu\n", n/((b.tv_sec-a.tv_sec)+(b.tv_nsec-a.tv_nsec)/1e9), total);
}
