/* The registry of jobs and tables (cm_jobs.h): the one list analyze, run and
 * the report read. A job's `needs` says which shared steps it reads, so
 * analyze makes each before the first job that needs it and frees it after
 * the last. */
#include "cm_jobs.h"

const cm_table_info CM_TABLES[CM_N_TABLES] = {
    {"office_patents", "Patents by office"},
    {"top_assignees", "Top assignees"},
    {"assignee_growth", "Share / growth matrix"},
    {"foreign_assignees", "Foreign assignees"},
    {"country_publications", "Publications by country"},
    {"publication_growth", "Publication growth"},
    {"collaboration_partners", "Collaboration partners"},
    {"collaborating_institutions", "Collaborating institutions"},
    {"paper_citations", "Papers cited by patents"},
    {"topic_growth", "Topic growth and mutual strength"},
};

const cm_job CM_JOBS[CM_N_JOBS] = {
    {"office_patents", 0, 1, CM_NEEDS_CITATIONS, 0, cm_job_office_patents},
    {"top/foreign/growth assignees", 1, 3, CM_NEEDS_CITATIONS | CM_NEEDS_ASSIGNEE_SETS, 0,
     cm_job_assignee_tables},
    {"country_publications", 4, 1, 0, CM_COLS_W_BASE, cm_job_country_publications},
    {"publication_growth", 5, 1, 0, CM_COLS_W_BASE, cm_job_publication_growth},
    {"partners and institutions", 6, 2, 0, CM_COLS_W_BASE | CM_COLS_W_INST, cm_job_collaboration},
    {"paper_citations", 8, 1, CM_NEEDS_LINKS, CM_COLS_W_BASE, cm_job_paper_citations},
    {"topic_growth", 9, 1, CM_NEEDS_LINKS, CM_COLS_W_BASE | CM_COLS_W_TOPIC, cm_job_topic_growth},
};
