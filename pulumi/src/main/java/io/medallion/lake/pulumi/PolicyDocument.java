package io.medallion.lake.pulumi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pulumi.core.Output;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An IAM policy document whose resources may be outputs (ARNs not known until deployment). Built
 * with Jackson rather than string templates so that a quote in a name can never change a policy.
 *
 * <p>Every statement names its actions one by one: there is deliberately no way to pass {@code *}
 * or {@code service:*} (see {@link Statement#allow}).
 */
public final class PolicyDocument {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<Statement> statements = new ArrayList<>();

  /** One {@code Allow} statement; a condition is {@code operator → key → values}. */
  public record Statement(
      String sid,
      List<String> actions,
      List<Output<String>> resources,
      Map<String, Map<String, List<String>>> condition) {

    public Statement {
      for (String action : actions) {
        if (action.contains("*")) {
          throw new IllegalArgumentException("wildcard action in " + sid + ": " + action);
        }
      }
      if (resources.isEmpty()) {
        throw new IllegalArgumentException("statement " + sid + " has no resource");
      }
    }

    public static Statement allow(
        String sid, List<String> actions, List<Output<String>> resources) {
      return new Statement(sid, actions, resources, Map.of());
    }

    public Statement when(String operator, String key, List<String> values) {
      Map<String, Map<String, List<String>>> c = new LinkedHashMap<>(condition);
      c.computeIfAbsent(operator, k -> new LinkedHashMap<>()).put(key, values);
      return new Statement(sid, actions, resources, c);
    }
  }

  public PolicyDocument add(Statement statement) {
    statements.add(statement);
    return this;
  }

  public PolicyDocument addAll(List<Statement> more) {
    statements.addAll(more);
    return this;
  }

  /** The policy as JSON, once every resource ARN is known. */
  public Output<String> toJson() {
    List<Output<String>> all = new ArrayList<>();
    for (Statement s : statements) {
      all.addAll(s.resources());
    }
    return Output.all(all).applyValue(this::render);
  }

  private String render(List<String> resolved) {
    List<Map<String, Object>> rendered = new ArrayList<>();
    int i = 0;
    for (Statement s : statements) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Sid", s.sid());
      m.put("Effect", "Allow");
      m.put("Action", s.actions());
      m.put("Resource", resolved.subList(i, i + s.resources().size()));
      i += s.resources().size();
      if (!s.condition().isEmpty()) {
        m.put("Condition", s.condition());
      }
      rendered.add(m);
    }
    return toJson(Map.of("Version", "2012-10-17", "Statement", rendered));
  }

  /** A trust policy letting one AWS service principal assume the role. */
  public static String trust(String servicePrincipal) {
    return toJson(
        Map.of(
            "Version",
            "2012-10-17",
            "Statement",
            List.of(
                Map.of(
                    "Effect",
                    "Allow",
                    "Principal",
                    Map.of("Service", servicePrincipal),
                    "Action",
                    "sts:AssumeRole"))));
  }

  /**
   * A trust policy for a service principal, limited to requests made on behalf of this account (the
   * confused-deputy guard AWS recommends for Scheduler, Step Functions and Managed Flink).
   */
  public static Output<String> trust(String servicePrincipal, Output<String> accountId) {
    return accountId.applyValue(
        account ->
            toJson(
                Map.of(
                    "Version",
                    "2012-10-17",
                    "Statement",
                    List.of(
                        Map.of(
                            "Effect",
                            "Allow",
                            "Principal",
                            Map.of("Service", servicePrincipal),
                            "Action",
                            "sts:AssumeRole",
                            "Condition",
                            Map.of("StringEquals", Map.of("aws:SourceAccount", account)))))));
  }

  static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
